// Faithfulness of an answer to its citations: each sentence that makes a claim should rest on the
// passages it cites. A sentence is supported when at least `share` of its content terms (read by
// Parley's keyword analyzer, so "located" meets "location" and stop words do not count) occur in
// the passages it cites; a sentence that cites nothing is unsupported, unless it declines to
// answer (a refusal claims nothing, and is not counted). Lexical support is a floor, not an
// entailment check: a sentence that negates its passage in the passage's own words passes.
import { keywordTerms } from '../../knowledge/index.js';
import { answerSentences } from './answer-text.js';
import { isRefusal } from './refusal.js';

/** Share of a sentence's content terms its cited passages must hold, unless told otherwise. */
export const DEFAULT_SUPPORT_SHARE = 0.6;

export interface Faithfulness {
  /** Sentences that make a claim: with content terms, and not a refusal. */
  sentences: number;
  /** Of those, the ones whose cited passages hold enough of their terms. */
  supported: number;
}

/** The text of passage `n` (1-based, as the answer cites it), or undefined when it has none. */
export type CitedPassage = (n: number) => string | undefined;

const termsOf = (text: string) => new Set(keywordTerms(text).filter((term) => term.length > 1));

/** Scores one answer's sentences against the passages they cite. */
export function faithfulness(
  answer: string,
  passage: CitedPassage,
  share = DEFAULT_SUPPORT_SHARE,
): Faithfulness {
  const result: Faithfulness = { sentences: 0, supported: 0 };
  for (const sentence of answerSentences(answer)) {
    const terms = termsOf(sentence.text);
    if (terms.size === 0) continue;
    if (sentence.citations.length === 0 && isRefusal(sentence.text)) continue;
    result.sentences++;
    const cited = new Set<string>();
    for (const n of new Set(sentence.citations)) {
      for (const term of termsOf(passage(n) ?? '')) cited.add(term);
    }
    let held = 0;
    for (const term of terms) if (cited.has(term)) held++;
    if (sentence.citations.length > 0 && held / terms.size >= share) result.supported++;
  }
  return result;
}
