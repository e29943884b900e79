// The figures of an answer evaluation, from its records: each a share of the questions it is
// about (SQuAD's answerable ones for hits and F1, its unanswerable ones for declining; every
// counterfactual query for RGB's verdicts; every claiming sentence of every answer for
// faithfulness). A share of nothing is 0, and the count beside it says so.
import { percentile } from '../guard/index.js';
import type { AnswerRecord } from './evaluate-answers.js';

export interface AnswerScores {
  questions: number;
  /** How the turns answered: mode -> count. */
  modes: Record<string, number>;
  /** The models that answered (none: every answer was written without a model). */
  models: string[];
  squad: {
    answerable: number;
    unanswerable: number;
    /** Answerable questions whose answer contains a gold answer (normalised). */
    answerableHit: number;
    /** Mean token F1 on the answerable questions. */
    answerableF1: number;
    /** Answerable questions declined (a false "I don't know"). */
    answerableDeclined: number;
    /** Unanswerable questions declined. */
    unanswerableDeclined: number;
  };
  counterfactual: {
    queries: number;
    /** The answer repeats the passages' false answer. */
    statesFake: number;
    /** The answer states the true answer. */
    statesTrue: number;
    /** The answer flags the error or declines (RGB's error detection). */
    flagsError: number;
    /** The answer flags the error and states the true answer (RGB's error correction), of all queries. */
    corrects: number;
  };
  faithfulness: { sentences: number; supported: number; share: number };
  latencyMs: { p50: number; p99: number };
}

const share = (count: number, of: number) => (of > 0 ? count / of : 0);
/** The share of `list` that passes `test`. */
const shareOf = <T>(list: readonly T[], test: (item: T) => boolean) =>
  share(list.filter(test).length, list.length);

export function scoreAnswers(records: readonly AnswerRecord[]): AnswerScores {
  const modes: Record<string, number> = {};
  const models = new Set<string>();
  for (const record of records) {
    modes[record.mode] = (modes[record.mode] ?? 0) + 1;
    if (record.model) models.add(record.model);
  }
  const squad = records.filter((record) => record.question.kind === 'squad');
  const answerable = squad.filter((record) => record.question.kind === 'squad' && record.question.answerable);
  const unanswerable = squad.filter((record) => !answerable.includes(record));
  const verdicts = records.flatMap((record) => (record.counterfactual ? [record.counterfactual] : []));
  const sentences = records.reduce((sum, record) => sum + record.faithfulness.sentences, 0);
  const supported = records.reduce((sum, record) => sum + record.faithfulness.supported, 0);
  const latencies = records.map((record) => record.latencyMs).sort((a, b) => a - b);
  return {
    questions: records.length,
    modes,
    models: [...models].sort(),
    squad: {
      answerable: answerable.length,
      unanswerable: unanswerable.length,
      answerableHit: shareOf(answerable, (r) => r.hit),
      answerableF1: share(
        answerable.reduce((sum, record) => sum + record.f1, 0),
        answerable.length,
      ),
      answerableDeclined: shareOf(answerable, (r) => r.declined),
      unanswerableDeclined: shareOf(unanswerable, (r) => r.declined),
    },
    counterfactual: {
      queries: verdicts.length,
      statesFake: shareOf(verdicts, (v) => v.statesFake),
      statesTrue: shareOf(verdicts, (v) => v.statesTrue),
      flagsError: shareOf(verdicts, (v) => v.flagsError),
      corrects: shareOf(verdicts, (v) => v.flagsError && v.statesTrue),
    },
    faithfulness: { sentences, supported, share: share(supported, sentences) },
    latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
  };
}
