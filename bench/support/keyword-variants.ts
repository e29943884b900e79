// Ranking variants tried on the in-memory keyword index (bench/keyword-ranking.ts), none of which
// earned a default (docs/benchmarks.md, "Ranking beyond BM25"):
// - pseudo-relevance feedback (RM3): the query expanded with the terms that weigh most in the first
//   pass's best chunks (each term's share of a chunk's length times the chunk's share of the
//   scores), weighted below the query's own terms, and searched again;
// - page aggregation: a chunk raised by the scores of its page's other chunks among the candidates;
// - related words from public word vectors (related-terms.ts): each query word's nearest GloVe
//   neighbours that the corpus uses, weighted by their similarity;
// - WordNet synonyms (wordnet-synonyms.ts): the other words of each query word's synsets (and of
//   their hypernyms) that the corpus uses, at a reduced weight.
import type { Bm25Index, ScoredDoc } from '../../src/knowledge/retrieve/bm25-index.js';
import { keywordTerms } from '../../src/knowledge/retrieve/keyword-analyzer.js';
import type { RelatedTerms } from './related-terms.js';
import type { WordNetSynonyms } from './wordnet-synonyms.js';

export interface KeywordRanking {
  /** RM3: the best `docs` chunks of a first pass give `terms` terms, weighted `weight` (0: off) against the query's 1. */
  feedback: { docs: number; terms: number; weight: number };
  /** Each chunk gains `weight` (0: off) times the scores of its page's other chunks among the best `candidates`. */
  pages: { candidates: number; weight: number };
  /** Up to `perWord` related words of each query word at or above `minSimilarity`, weighted `weight` (0: off) times their similarity. */
  related: { weight: number; minSimilarity: number; perWord: number };
  /** Up to `perTerm` terms that co-occur with each query term in at least `minChunks` chunks, by PMI, weighted `weight` (0: off). */
  cooccurring: { weight: number; perTerm: number; minChunks: number };
  /** Up to `perWord` WordNet synonyms of each query word from its first `senses` senses (hypernyms at half weight with `hypernyms`), weighted `weight` (0: off); only words in at most `maxChunks` chunks (0: all). */
  synonyms: { weight: number; senses: number; perWord: number; hypernyms: boolean; maxChunks: number };
}

export const PLAIN_RANKING: KeywordRanking = {
  feedback: { docs: 0, terms: 0, weight: 0 },
  pages: { candidates: 0, weight: 0 },
  related: { weight: 0, minSimilarity: 1, perWord: 0 },
  cooccurring: { weight: 0, perTerm: 0, minChunks: 2 },
  synonyms: { weight: 0, senses: 0, perWord: 0, hypernyms: false, maxChunks: 0 },
};

/** What the variants read besides the index: each chunk's terms and page, the related-words table. */
export interface VariantCorpus {
  index: Bm25Index;
  termsOf: (id: number) => readonly string[];
  pageOf: (id: number) => string;
  /** The chunks holding a term. */
  chunksWith: (term: string) => readonly number[];
  related?: RelatedTerms;
  wordnet?: WordNetSynonyms;
}

/** The terms that co-occur most with `term` (pointwise mutual information over chunks). */
function cooccurringTerms(
  corpus: VariantCorpus,
  term: string,
  count: number,
  minChunks: number,
): [string, number][] {
  const holders = corpus.chunksWith(term);
  const n = corpus.index.size;
  const together = new Map<string, number>();
  for (const id of holders)
    for (const other of new Set(corpus.termsOf(id))) together.set(other, (together.get(other) ?? 0) + 1);
  const scored: [string, number][] = [];
  for (const [other, both] of together) {
    if (other === term || both < minChunks) continue;
    const df = corpus.index.documentFrequency(other);
    scored.push([other, Math.log((both * n) / (holders.length * df))]);
  }
  return scored
    .filter(([, pmi]) => pmi > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count);
}

/** RM3's expansion terms from these chunks, normalized so that the heaviest weighs 1. */
function feedbackTerms(
  corpus: VariantCorpus,
  docs: readonly ScoredDoc[],
  count: number,
): Map<string, number> {
  const total = docs.reduce((sum, doc) => sum + doc.score, 0);
  const maxDf = 0.1 * corpus.index.size;
  const weights = new Map<string, number>();
  for (const doc of docs) {
    const terms = corpus.termsOf(doc.id);
    for (const term of terms) {
      const df = corpus.index.documentFrequency(term);
      if (df < 2 || df > maxDf) continue;
      weights.set(term, (weights.get(term) ?? 0) + doc.score / total / terms.length);
    }
  }
  const best = [...weights].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, count);
  const top = best[0]?.[1] ?? 1;
  return new Map(best.map(([term, weight]) => [term, weight / top]));
}

/** Adds up to `perWord` of a word's related words that the corpus uses (in >= 2 chunks), each at `weight` times its own weight. */
function expandWord(
  corpus: VariantCorpus,
  query: Map<string, number>,
  candidates: readonly [string, number][],
  weight: number,
  perWord: number,
): void {
  let added = 0;
  for (const [other, similarity] of candidates) {
    if (added >= perWord) break;
    const [term] = keywordTerms(other);
    if (!term || query.has(term) || corpus.index.documentFrequency(term) < 2) continue;
    query.set(term, weight * similarity);
    added += 1;
  }
}

/** The best `k` chunks for a question under `ranking`. */
export function rankVariant(
  corpus: VariantCorpus,
  question: string,
  k: number,
  ranking: KeywordRanking,
): ScoredDoc[] {
  const { index } = corpus;
  const query = new Map(keywordTerms(question).map((term) => [term, 1]));
  const { feedback, pages, related } = ranking;
  const words = question.toLowerCase().match(/[a-z]+/g) ?? [];
  if (corpus.related && related.weight > 0)
    for (const word of words)
      expandWord(
        corpus,
        query,
        corpus.related.of(word, related.minSimilarity),
        related.weight,
        related.perWord,
      );
  const { synonyms } = ranking;
  if (corpus.wordnet && synonyms.weight > 0) {
    // Stop words ("do", "get") are not expanded: WordNet gives them dozens of senses.
    // With `maxChunks`, only the words the corpus rarely uses: where the user's word and the
    // manual's differ (a "shortcut" the manual calls an alias).
    const rare = (word: string) => {
      const [term] = keywordTerms(word);
      return (
        term !== undefined &&
        (synonyms.maxChunks <= 0 || corpus.index.documentFrequency(term) <= synonyms.maxChunks)
      );
    };
    for (const word of words.filter(rare))
      expandWord(
        corpus,
        query,
        corpus.wordnet.of(word, synonyms.senses, synonyms.hypernyms),
        synonyms.weight,
        synonyms.perWord,
      );
  }
  const { cooccurring } = ranking;
  if (cooccurring.weight > 0) {
    const original = [...query.keys()];
    for (const term of original) {
      const found = cooccurringTerms(corpus, term, cooccurring.perTerm, cooccurring.minChunks);
      const top = found[0]?.[1] ?? 1;
      for (const [other, pmi] of found) {
        if (!query.has(other)) query.set(other, (cooccurring.weight * pmi) / top);
      }
    }
  }
  const aggregate = pages.weight > 0 && pages.candidates > k;
  const depth = aggregate ? pages.candidates : k;
  let found = index.searchWeighted(query, Math.max(depth, feedback.docs));
  if (feedback.weight > 0 && feedback.terms > 0 && found.length > 0) {
    for (const [term, weight] of feedbackTerms(corpus, found.slice(0, feedback.docs), feedback.terms)) {
      query.set(term, (query.get(term) ?? 0) + feedback.weight * weight);
    }
    found = index.searchWeighted(query, depth);
  }
  if (!aggregate) return found.slice(0, k);
  const pageSums = new Map<string, number>();
  for (const doc of found)
    pageSums.set(corpus.pageOf(doc.id), (pageSums.get(corpus.pageOf(doc.id)) ?? 0) + doc.score);
  return found
    .map((doc) => ({
      id: doc.id,
      score: doc.score + pages.weight * (pageSums.get(corpus.pageOf(doc.id))! - doc.score),
    }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, k);
}
