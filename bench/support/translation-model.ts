// A supervised translation model for query expansion, for bench/prf.ts: IBM Model 1 (Brown et al.
// 1993; for retrieval, Berger and Lafferty 1999) learnt from (query, relevant document) pairs,
// t(d | q): how likely a document holding query word q is to use word d. The query side has a NULL
// word that takes the document words no query word explains (a paper's "study", "result"). EM
// from uniform, over the pairs' co-occurring words only.
// A query is expanded with the words d that its words translate to, each weighing the mean of
// t(d | q) over the query's words learnt from at least `minPairs` pairs (the query's own words left
// out: they are in the query already).
import { readFileSync, writeFileSync } from 'node:fs';
import { topNormalized } from './query-expansion.js';

export interface TranslationPair {
  query: readonly string[];
  document: readonly string[];
}

const NULL = '\u0000';

/** The row of `key`, added empty if missing. */
function rowOf(rows: Map<string, Map<string, number>>, key: string): Map<string, number> {
  let row = rows.get(key);
  if (!row) {
    row = new Map();
    rows.set(key, row);
  }
  return row;
}

export class TranslationModel {
  constructor(
    /** Per query word: the document words it translates to, most likely first, and t(d | q). */
    private readonly table: Map<string, [string, number][]>,
    /** Per query word: the pairs it was learnt from. */
    private readonly support: Map<string, number>,
  ) {}

  static train(pairs: readonly TranslationPair[], iterations = 10, keepPerWord = 50): TranslationModel {
    const documents = pairs.map((pair) => {
      const counts = new Map<string, number>();
      for (const term of pair.document) counts.set(term, (counts.get(term) ?? 0) + 1);
      return counts;
    });
    const queries = pairs.map((pair) => [NULL, ...new Set(pair.query)]);
    // t(d | q), uniform over the document words seen with q to start.
    let t = new Map<string, Map<string, number>>();
    const support = new Map<string, number>();
    queries.forEach((query, i) => {
      for (const q of query) {
        const row = rowOf(t, q);
        for (const d of documents[i]!.keys()) row.set(d, 1);
        if (q !== NULL) support.set(q, (support.get(q) ?? 0) + 1);
      }
    });
    for (const row of t.values()) for (const d of row.keys()) row.set(d, 1 / row.size);
    for (let step = 0; step < iterations; step++) {
      const counts = new Map<string, Map<string, number>>();
      queries.forEach((query, i) => {
        for (const [d, c] of documents[i]!) {
          let z = 0;
          for (const q of query) z += t.get(q)!.get(d)!;
          for (const q of query) {
            const row = rowOf(counts, q);
            row.set(d, (row.get(d) ?? 0) + (c * t.get(q)!.get(d)!) / z);
          }
        }
      });
      for (const row of counts.values()) {
        let total = 0;
        for (const value of row.values()) total += value;
        for (const [d, value] of row) row.set(d, value / total);
      }
      t = counts;
    }
    const table = new Map<string, [string, number][]>();
    for (const [q, row] of t) {
      if (q === NULL) continue;
      table.set(q, [...row].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, keepPerWord));
    }
    return new TranslationModel(table, support);
  }

  static fromFile(file: string): TranslationModel {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      table: Record<string, [string, number][]>;
      support: Record<string, number>;
    };
    return new TranslationModel(new Map(Object.entries(saved.table)), new Map(Object.entries(saved.support)));
  }

  save(file: string): void {
    const table = Object.fromEntries(this.table);
    writeFileSync(file, JSON.stringify({ table, support: Object.fromEntries(this.support) }));
  }

  /** The query's best `count` expansion words, weights summing to 1 (empty: no word of it was learnt). */
  expand(queryTerms: readonly string[], count: number, minPairs: number): Map<string, number> {
    const unique = new Set(queryTerms);
    const weights = new Map<string, number>();
    for (const q of unique) {
      if ((this.support.get(q) ?? 0) < minPairs) continue;
      for (const [d, p] of this.table.get(q) ?? []) {
        if (!unique.has(d)) weights.set(d, (weights.get(d) ?? 0) + p / unique.size);
      }
    }
    return topNormalized(weights, count);
  }
}
