// How well the retrieved passages cover the question: the share of the question's content words
// found in the best passages. Scale-free (unlike BM25 or RRF scores, which vary with the corpus
// and the query), so one threshold means the same thing everywhere.
import { LRUCache } from 'lru-cache';
import type { RetrievedChunk } from '../knowledge/index.js';
import { contentTerms } from './extractive-answer.js';

interface PassageTerms {
  title: string;
  headingPath: string;
  text: string;
  terms: Set<string>;
}

// A passage's terms, by chunk. Reading a passage costs about as much as the rest of a turn's
// preparation, and the best passages recur from turn to turn. A chunk's text never changes under
// its id (a re-ingested document gets new chunks); its title and headings are checked on use.
// Bounded: at ~100 distinct terms a passage, about 6 MB when full.
const passageTermsCache = new LRUCache<number, PassageTerms>({ max: 1024 });

function termsOf(passage: RetrievedChunk): Set<string> {
  const cached = passageTermsCache.get(passage.chunkId);
  if (
    cached &&
    cached.text === passage.text &&
    cached.title === passage.title &&
    cached.headingPath === passage.headingPath
  ) {
    return cached.terms;
  }
  const terms = new Set(contentTerms(`${passage.title} ${passage.headingPath} ${passage.text}`));
  passageTermsCache.set(passage.chunkId, {
    title: passage.title,
    headingPath: passage.headingPath,
    text: passage.text,
    terms,
  });
  return terms;
}

export function questionCoverage(question: string, passages: RetrievedChunk[], top = 3): number {
  const wanted = new Set(contentTerms(question));
  if (wanted.size === 0) return 1; // nothing to check ("hi", "thanks"): let the model answer
  const found = new Set<string>();
  for (const passage of passages.slice(0, top)) {
    const terms = termsOf(passage);
    for (const term of wanted) if (terms.has(term)) found.add(term);
  }
  return found.size / wanted.size;
}
