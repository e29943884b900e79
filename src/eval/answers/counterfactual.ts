// RGB's counterfactual robustness (Chen et al., "Benchmarking Large Language Models in
// Retrieval-Augmented Generation", AAAI 2024): the passages state a false fact ("the 2021 Super
// Bowl was played in Glendale"). An answer may repeat the passages' false answer, state the true
// one (knowledge the model brought), or detect the error: say the documents are wrong or
// contradictory, or decline. RGB counts the detection by the phrase its prompt asks for ("factual
// errors"); Parley's prompt asks for none, so the usual ways of saying it are read.
import type { AnswerMode } from '../../orchestrator/index.js';
import { answerWords, containsAnswer } from './answer-text.js';
import { declined } from './refusal.js';

export interface CounterfactualVerdict {
  /** The answer states the passages' (false) answer. */
  statesFake: boolean;
  /** The answer states the true answer. */
  statesTrue: boolean;
  /** The answer says the documents are wrong or contradict each other, or declines. */
  flagsError: boolean;
}

const ERROR_FLAGS =
  /\b(?:factual errors?|factually (?:incorrect|wrong)|(?:is|are|seems?|appears?( to be)?) (?:incorrect|inaccurate|wrong|mistaken)|contradict\w*|inconsisten\w*|conflicting|discrepanc\w*|misinformation)\b/i;

export function counterfactualVerdict(
  mode: AnswerMode,
  answer: string,
  truth: { answers: readonly string[]; fake: string },
): CounterfactualVerdict {
  return {
    statesFake: containsAnswer(answer, [truth.fake]),
    statesTrue: containsAnswer(answer, truth.answers),
    flagsError: declined(mode, answer) || ERROR_FLAGS.test(answerWords(answer)),
  };
}
