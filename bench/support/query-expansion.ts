// Query expansion from the first pass's best chunks (pseudo-relevance feedback), for bench/prf.ts:
// - RM3 (Lavrenko and Croft's relevance model, interpolated with the query, as Anserini runs it):
//   each term weighs the sum over the feedback chunks of its share of the chunk's length times the
//   chunk's share of their BM25 scores; the best `terms` (the query's own terms may be among them);
// - Rocchio on BM25 term weights: each term weighs the mean, over the feedback chunks, of what it
//   would score in that chunk (its BM25 contribution); the best `terms`.
// Either model is normalized to sum 1 and interpolated with the query (each of its terms 1/|q|):
// (1 - lambda) * query + lambda * model. BM25 is linear in the query's weights, so only the ratio
// matters.
import type { Bm25Index, Bm25Parameters, ScoredDoc } from '../../src/knowledge/retrieve/bm25-index.js';

/** The chunks as the index holds them: each one's term counts and length. */
export class FeedbackCorpus {
  private readonly counts = new Map<number, Map<string, number>>();
  private readonly lengths = new Map<number, number>();
  private totalLength = 0;

  constructor(
    readonly index: Bm25Index,
    private readonly params: Bm25Parameters,
  ) {}

  add(id: number, terms: readonly string[]): void {
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    this.counts.set(id, counts);
    this.lengths.set(id, terms.length);
    this.totalLength += terms.length;
    this.index.add(id, terms);
  }

  countsOf(id: number): ReadonlyMap<string, number> {
    return this.counts.get(id) ?? new Map();
  }

  /** What `term` scores in chunk `id` for a query holding it once (BM25's contribution). */
  bm25Weight(id: number, term: string, tf: number): number {
    const n = this.index.size;
    const df = this.index.documentFrequency(term);
    if (df === 0) return 0;
    const { k1, b } = this.params;
    const norm = 1 - b + (b * this.lengths.get(id)!) / (this.totalLength / n);
    return (Math.log(1 + (n - df + 0.5) / (df + 0.5)) * tf * (k1 + 1)) / (tf + k1 * norm);
  }

  lengthOf(id: number): number {
    return this.lengths.get(id) ?? 0;
  }
}

export type FeedbackMethod = 'rm3' | 'rocchio';

/** The best `count` entries of `weights`, normalized to sum 1 (ties: alphabetical, for repeatable runs). */
export function topNormalized(weights: ReadonlyMap<string, number>, count: number): Map<string, number> {
  const best = [...weights]
    .filter(([, weight]) => weight > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, count);
  const total = best.reduce((sum, [, weight]) => sum + weight, 0);
  return new Map(best.map(([term, weight]) => [term, weight / total]));
}

/** The feedback model of these chunks (the first pass's best), its best `count` terms, summing to 1. */
export function feedbackModel(
  corpus: FeedbackCorpus,
  docs: readonly ScoredDoc[],
  count: number,
  method: FeedbackMethod,
): Map<string, number> {
  const weights = new Map<string, number>();
  const total = docs.reduce((sum, doc) => sum + doc.score, 0);
  for (const doc of docs) {
    const length = corpus.lengthOf(doc.id);
    for (const [term, tf] of corpus.countsOf(doc.id)) {
      const weight =
        method === 'rm3'
          ? (tf / length) * (doc.score / total)
          : corpus.bm25Weight(doc.id, term, tf) / docs.length;
      weights.set(term, (weights.get(term) ?? 0) + weight);
    }
  }
  return topNormalized(weights, count);
}

/** The query's terms (each 1/|q|) weighted 1 - lambda, the model's lambda. */
export function interpolate(
  queryTerms: readonly string[],
  model: ReadonlyMap<string, number>,
  lambda: number,
): Map<string, number> {
  const unique = [...new Set(queryTerms)];
  const query = new Map(unique.map((term) => [term, (1 - lambda) / unique.length]));
  for (const [term, weight] of model) query.set(term, (query.get(term) ?? 0) + lambda * weight);
  return query;
}
