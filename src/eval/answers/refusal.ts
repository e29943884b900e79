// Whether an answer declines: "I don't know" on a question its documents cannot answer. Parley
// says so itself when retrieval finds nothing relevant enough (the turn's mode is `not_found`, or
// `refused` when a guard stopped the message); a model that was given passages declines in its
// own words (the grounded prompt asks it to say that it does not know), and the turn is
// `generated` then, so those words are read: a few phrasings, not one sentence.
import type { AnswerMode } from '../../orchestrator/index.js';
import { answerSentences } from './answer-text.js';

/** Modes in which the turn gave no answer of its own: nothing found, refused, or asked back. */
const NO_ANSWER_MODES: ReadonlySet<AnswerMode> = new Set(['not_found', 'refused', 'clarify']);

const REFUSALS = [
  /\b(?:i|we)\s+(?:do not|don't|did not|didn't|cannot|can't|could not|couldn't|am unable to|was unable to)\s+(?:know|find|answer|tell|say|determine|see|locate)\b/i,
  /\b(?:passages?|documents?|context|sources?|text|knowledge base|information provided|provided information)\s+(?:do|does|did)\s*(?:not|n't)\s+(?:contain|mention|say|include|provide|specify|state|answer|cover|give)\b/i,
  /\bnot\s+(?:mentioned|stated|specified|found|given|provided|covered)\s+in\s+the\s+(?:passages?|documents?|context|sources?|text)\b/i,
  /\b(?:no|not enough)\s+information\s+(?:about|on|in|regarding|to)\b/i,
  /\bunable to (?:answer|find|determine)\b/i,
  /^(?:i|we) (?:do not|don't) know\b/i,
];

/** Whether a sentence says the answer is not known or not in the documents. */
export function isRefusal(sentence: string): boolean {
  return REFUSALS.some((pattern) => pattern.test(sentence));
}

/** Whether a turn declined to answer: a no-answer mode, or an answer that opens by declining. */
export function declined(mode: AnswerMode, answer: string): boolean {
  if (NO_ANSWER_MODES.has(mode)) return true;
  const first = answerSentences(answer)[0];
  return first !== undefined && isRefusal(first.text);
}
