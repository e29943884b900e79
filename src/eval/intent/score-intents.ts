// Scores an intent classifier on a labelled set: per-intent precision, recall and F1, macro-F1
// over the intents the set contains, accuracy, the share called unsure, and per-message latency.
import type { Intent, IntentResult } from '../../orchestrator/index.js';
import { INTENTS } from '../../orchestrator/index.js';
import { percentile } from '../guard/index.js';
import type { LabelledIntent } from './intent-datasets.js';

export interface IntentScore {
  intent: Intent;
  /** Items labelled with this intent. */
  support: number;
  /** Items predicted as this intent. */
  predicted: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface IntentSetScore {
  messages: number;
  /** One row per intent, in `INTENTS` order. */
  perIntent: IntentScore[];
  /** Mean F1 over the intents with at least one labelled item. */
  macroF1: number;
  accuracy: number;
  /** Share of messages whose top score was below the threshold. */
  unsure: number;
  /** Accuracy on the messages that were not unsure. */
  accuracySure: number;
  /** confusion[expected][predicted] counts, for the intents that occur. */
  confusion: Record<string, Record<string, number>>;
  latencyMs: { p50: number; p99: number; max: number };
}

/** Untimed calls before latency is measured: 102 messages were not enough for a steady p99. */
const WARM_UP_CALLS = 1000;

/**
 * Scores `classify` on `data`. Latency is the steady state: untimed passes over at least
 * `WARM_UP_CALLS` messages (the first calls pay for JIT compilation and the collections that
 * follow loading a model), then `passes` timed passes pooled, so that a small set's p99 is not
 * one garbage-collection pause.
 */
export function scoreIntents(
  data: LabelledIntent[],
  classify: (text: string) => IntentResult,
  passes = 3,
): IntentSetScore {
  const results = data.map((item) => classify(item.text));
  if (passes > 0) {
    for (let calls = data.length; calls < WARM_UP_CALLS; calls += data.length) {
      for (const item of data) classify(item.text);
    }
  }
  const timings: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    for (const item of data) {
      const started = performance.now();
      classify(item.text);
      timings.push(performance.now() - started);
    }
  }
  timings.sort((a, b) => a - b);
  const confusion: Record<string, Record<string, number>> = {};
  let correct = 0;
  let sure = 0;
  let correctSure = 0;
  data.forEach((item, i) => {
    const result = results[i]!;
    const row = confusion[item.label] ?? {};
    confusion[item.label] = row;
    row[result.intent] = (row[result.intent] ?? 0) + 1;
    if (result.intent === item.label) correct++;
    if (!result.unsure) {
      sure++;
      if (result.intent === item.label) correctSure++;
    }
  });
  const perIntent = INTENTS.map((intent) => {
    const support = data.filter((item) => item.label === intent).length;
    const predicted = results.filter((result) => result.intent === intent).length;
    const hits = data.filter((item, i) => item.label === intent && results[i]!.intent === intent).length;
    const precision = predicted === 0 ? 0 : hits / predicted;
    const recall = support === 0 ? 0 : hits / support;
    const f1 = hits === 0 ? 0 : (2 * hits) / (support + predicted);
    return { intent, support, predicted, precision, recall, f1 };
  });
  const present = perIntent.filter((row) => row.support > 0);
  return {
    messages: data.length,
    perIntent,
    macroF1: present.length === 0 ? 0 : present.reduce((sum, row) => sum + row.f1, 0) / present.length,
    accuracy: data.length === 0 ? 0 : correct / data.length,
    unsure: data.length === 0 ? 0 : (data.length - sure) / data.length,
    accuracySure: sure === 0 ? 0 : correctSure / sure,
    confusion,
    latencyMs: { p50: percentile(timings, 0.5), p99: percentile(timings, 0.99), max: timings.at(-1) ?? 0 },
  };
}
