// How well the retrieved passages cover the question: the share of the question's content words
// found in the best passages. Scale-free (unlike BM25 or RRF scores, which vary with the corpus
// and the query), so one threshold means the same thing everywhere.
import type { RetrievedChunk } from '../knowledge/index.js';
import { contentTerms } from './extractive-answer.js';

export function questionCoverage(question: string, passages: RetrievedChunk[], top = 3): number {
  const wanted = new Set(contentTerms(question));
  if (wanted.size === 0) return 1; // nothing to check ("hi", "thanks"): let the model answer
  const found = new Set<string>();
  for (const passage of passages.slice(0, top)) {
    for (const term of contentTerms(`${passage.title} ${passage.headingPath} ${passage.text}`)) {
      if (wanted.has(term)) found.add(term);
    }
  }
  return found.size / wanted.size;
}
