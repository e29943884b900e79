// Scores the two-stage injection detector on a labelled set: the fast verdict for every message,
// the semantic stage for those the fast stage is unsure of. Reports how many messages were
// escalated and what an escalated message waits for its score, one message at a time (the wait
// a turn sees on an idle worker), and the cost per text when escalated messages arrive together
// (the worker batches them).
import type { InjectionVerdict, SemanticInjectionStage, StagedVerdict } from '../../guard/index.js';
import type { LabelledText } from '../../guard/injection/train-classifier.js';
import { percentile } from './score-detector.js';

export interface StagedScore {
  precision: number;
  recall: number;
  f1: number;
  fpr: number;
  /** Share of messages sent to the semantic stage. */
  escalated: number;
  /** Escalated messages whose stage failed or timed out (the fast verdict stood). */
  degraded: number;
  /** Wait for one escalated message's score, one at a time, model already loaded. */
  semanticMs: { p50: number; p99: number; max: number };
  /** Wall time per escalated text when they all arrive at once. */
  batchedMsPerText: number;
}

export async function scoreStagedDetector(
  data: LabelledText[],
  fast: (text: string) => InjectionVerdict,
  stage: SemanticInjectionStage,
): Promise<StagedScore> {
  const fastVerdicts = data.map((item) => fast(item.text));
  // Loads the model, so that the timings below are the steady state.
  await stage.warm();
  const started = performance.now();
  const verdicts: StagedVerdict[] = await Promise.all(
    data.map((item, i) => stage.check(item.text, fastVerdicts[i]!)),
  );
  const batchedMs = performance.now() - started;
  const escalated = verdicts.filter((v) => v.stage !== 'fast').length;
  const timings: number[] = [];
  for (const [i, item] of data.entries()) {
    if (verdicts[i]!.stage === 'fast') continue;
    const at = performance.now();
    await stage.check(item.text, fastVerdicts[i]!);
    timings.push(performance.now() - at);
  }
  timings.sort((a, b) => a - b);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  data.forEach((item, i) => {
    const predicted = verdicts[i]!.attack;
    if (predicted && item.attack) tp++;
    else if (predicted) fp++;
    else if (item.attack) fn++;
  });
  const attacks = data.filter((item) => item.attack).length;
  const benign = data.length - attacks;
  return {
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: attacks === 0 ? 0 : tp / attacks,
    f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    fpr: benign === 0 ? 0 : fp / benign,
    escalated: data.length === 0 ? 0 : escalated / data.length,
    degraded: verdicts.filter((v) => v.stage === 'degraded').length,
    semanticMs: { p50: percentile(timings, 0.5), p99: percentile(timings, 0.99), max: timings.at(-1) ?? 0 },
    batchedMsPerText: escalated === 0 ? 0 : batchedMs / escalated,
  };
}
