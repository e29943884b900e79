// Scores an attack detector on a labelled set: precision, recall, F1, false-positive rate and
// per-message latency percentiles.
import type { LabelledText } from '../../guard/injection/train-classifier.js';

export interface DetectorScore {
  messages: number;
  attacks: number;
  precision: number;
  recall: number;
  f1: number;
  /** Share of benign messages called attacks. */
  fpr: number;
  latencyMs: { p50: number; p99: number; max: number };
}

/**
 * Scores `isAttack` on `data`. Latency is the steady state: one untimed pass first (the first
 * calls pay for JIT compilation), then `passes` timed passes pooled, so that a small set's p99
 * is not one garbage-collection pause.
 */
export function scoreDetector(
  data: LabelledText[],
  isAttack: (text: string) => boolean,
  passes = 5,
): DetectorScore {
  for (const item of data) isAttack(item.text);
  const timings: number[] = [];
  for (let pass = 1; pass < passes; pass++) {
    for (const item of data) {
      const started = performance.now();
      isAttack(item.text);
      timings.push(performance.now() - started);
    }
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const item of data) {
    const started = performance.now();
    const predicted = isAttack(item.text);
    timings.push(performance.now() - started);
    if (predicted && item.attack) tp++;
    else if (predicted) fp++;
    else if (item.attack) fn++;
  }
  const attacks = data.filter((item) => item.attack).length;
  const benign = data.length - attacks;
  timings.sort((a, b) => a - b);
  return {
    messages: data.length,
    attacks,
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: attacks === 0 ? 0 : tp / attacks,
    f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    fpr: benign === 0 ? 0 : fp / benign,
    latencyMs: { p50: percentile(timings, 0.5), p99: percentile(timings, 0.99), max: timings.at(-1) ?? 0 },
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
