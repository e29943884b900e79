// Asks every question of an answer set through the turn runner, as a new conversation each (so
// guards, retrieval, the prompt and the configured model all take part, exactly as for a client),
// and scores what came back: SQuAD's answer and "I don't know", RGB's counterfactual verdicts, and
// every answer's faithfulness to the passages it cites.
import type { AnswerMode, Citation, TurnContext, TurnRunner } from '../../orchestrator/index.js';
import type { SetQuestion } from './answer-sets.js';
import { containsAnswer, tokenF1 } from './answer-text.js';
import { type CounterfactualVerdict, counterfactualVerdict } from './counterfactual.js';
import { type CitedPassage, DEFAULT_SUPPORT_SHARE, type Faithfulness, faithfulness } from './faithfulness.js';
import { promptPassages } from './prompt-passages.js';
import { declined } from './refusal.js';

/** One question's outcome. */
export interface AnswerRecord {
  question: SetQuestion;
  mode: AnswerMode;
  model: string | undefined;
  answer: string;
  declined: boolean;
  /** SQuAD: a gold answer occurs in the answer. */
  hit: boolean;
  /** SQuAD: token F1 against the best gold answer. */
  f1: number;
  counterfactual?: CounterfactualVerdict;
  faithfulness: Faithfulness;
  latencyMs: number;
}

export interface AnswerRun {
  turns: Pick<TurnRunner, 'start'>;
  /** The tenant and turn context a question of `scope` is asked in. */
  scopeContext: (scope: string) => { tenantId: string; context: TurnContext };
  /** A stored turn's trace (what the model was prompted with). */
  readTrace: (tenantId: string, turnId: string) => Promise<unknown>;
  /** The whole text of a cited document, for answers numbered by citation (no model prompted). */
  citedText: (citation: Citation) => string | undefined;
  supportShare?: number;
  onAnswer?: (record: AnswerRecord, done: number) => void;
}

/** Runs the questions one at a time (latencies unaffected by each other) and scores each. */
export async function evaluateAnswers(run: AnswerRun, questions: SetQuestion[]): Promise<AnswerRecord[]> {
  const records: AnswerRecord[] = [];
  for (const question of questions) {
    const { tenantId, context } = run.scopeContext(question.scope);
    const started = performance.now();
    const turn = await run.turns.start({ tenantId, message: question.question }, context);
    const result = await turn.complete();
    const latencyMs = performance.now() - started;
    // A model cites the passages of its prompt by number; an answer written without one (or
    // degraded to that) numbers its citations, one per document.
    const prompted =
      result.mode === 'generated' ? promptPassages(await run.readTrace(tenantId, result.turn_id)) : undefined;
    const passage: CitedPassage = prompted
      ? (n) => prompted.get(n)
      : (n) => {
          const citation = result.citations[n - 1];
          return citation && run.citedText(citation);
        };
    const record: AnswerRecord = {
      question,
      mode: result.mode,
      model: result.model,
      answer: result.answer,
      declined: declined(result.mode, result.answer),
      hit: containsAnswer(result.answer, question.answers),
      f1: tokenF1(result.answer, question.answers),
      faithfulness: faithfulness(result.answer, passage, run.supportShare ?? DEFAULT_SUPPORT_SHARE),
      latencyMs,
    };
    if (question.kind === 'counterfactual') {
      record.counterfactual = counterfactualVerdict(result.mode, result.answer, {
        answers: question.answers,
        fake: question.fake,
      });
    }
    records.push(record);
    run.onAnswer?.(record, records.length);
  }
  return records;
}
