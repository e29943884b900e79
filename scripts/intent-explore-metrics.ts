// Macro-F1 over intent indices and argmax, shared by the explore scripts (explore-intents.ts,
// explore-intent-teacher.ts).
import { INTENTS } from '../src/orchestrator/intent/intent-labels.js';

/** Macro-F1 over the intents present in `labels`, and each intent's F1 (NaN when absent). */
export function macroF1(labels: number[], predicted: number[]): { macro: number; f1: number[] } {
  const f1: number[] = [];
  const k = INTENTS.length;
  for (let c = 0; c < k; c++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < labels.length; i++) {
      if (predicted[i] === c && labels[i] === c) tp++;
      else if (predicted[i] === c) fp++;
      else if (labels[i] === c) fn++;
    }
    if (tp + fn === 0) {
      f1.push(Number.NaN);
      continue;
    }
    f1.push(tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));
  }
  const present = f1.filter((v) => !Number.isNaN(v));
  return { macro: present.reduce((a, b) => a + b, 0) / present.length, f1 };
}

export const argmax = (p: ArrayLike<number>) => {
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
  return best;
};
