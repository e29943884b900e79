// Word clusters for the intent classifier: each of the commonest English words carries the id of
// its cluster of pre-trained (GloVe) word vectors, found by spherical k-means at training time.
// A cluster id is a hashed feature like a word, so "tides" shares a feature with "ocean" and
// "waves" although no training example says "tides" — which hashed n-grams cannot do — and the
// shipped file is only the words and their ids, looked up in a map at classification time.
import { z } from 'zod';

/** The JSON file `npm run train:intents` writes beside the model. */
export const wordClustersSchema = z.object({
  version: z.literal(1),
  /** Names the vectors, the vocabulary cut and the clustering: a model trained on others must not load them. */
  name: z.string().min(1),
  /** The words, one per line. */
  words: z.string(),
  /** Each word's cluster id, in base 36, comma-separated, in the order of the words. */
  clusters: z.string(),
});

export type WordClustersFile = z.infer<typeof wordClustersSchema>;

export class WordClusters {
  readonly name: string;
  private readonly ids: Map<string, number>;

  /** Throws when `file` is not a valid word-clusters file. */
  constructor(file: unknown) {
    const parsed = wordClustersSchema.parse(file);
    const words = parsed.words.length === 0 ? [] : parsed.words.split('\n');
    const ids = parsed.clusters.length === 0 ? [] : parsed.clusters.split(',');
    if (ids.length !== words.length) throw new Error('word clusters: ids do not match the words');
    this.name = parsed.name;
    this.ids = new Map(words.map((word, i) => [word, Number.parseInt(ids[i]!, 36)]));
  }

  /** The cluster of `word`, if it is known; a contraction missing as a whole by its first part. */
  clusterOf(word: string): number | undefined {
    const id = this.ids.get(word);
    if (id !== undefined || !word.includes("'")) return id;
    return this.ids.get(word.endsWith("n't") ? word.slice(0, -3) : word.slice(0, word.indexOf("'")));
  }
}

/**
 * Clusters unit-length `vectors` (one per word) into `k` groups by spherical k-means: each word
 * joins the centroid its vector is most similar to. Deterministic: the first centroids are every
 * (n / k)-th word.
 */
export function clusterWords(
  name: string,
  words: readonly string[],
  vectors: readonly Float32Array[],
  k: number,
  iterations: number,
): WordClustersFile {
  const n = vectors.length;
  const dims = vectors[0]?.length ?? 0;
  const centroids = Array.from({ length: k }, (_, c) => Float32Array.from(vectors[Math.floor((c * n) / k)]!));
  const assigned = new Int32Array(n);
  for (let iteration = 0; iteration < iterations; iteration++) {
    for (let i = 0; i < n; i++) {
      const v = vectors[i]!;
      let best = 0;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const centroid = centroids[c]!;
        let dot = 0;
        for (let d = 0; d < dims; d++) dot += v[d]! * centroid[d]!;
        if (dot > bestScore) {
          bestScore = dot;
          best = c;
        }
      }
      assigned[i] = best;
    }
    for (const centroid of centroids) centroid.fill(0);
    for (let i = 0; i < n; i++) {
      const centroid = centroids[assigned[i]!]!;
      const v = vectors[i]!;
      for (let d = 0; d < dims; d++) centroid[d] = centroid[d]! + v[d]!;
    }
    for (const centroid of centroids) {
      let norm = 0;
      for (const x of centroid) norm += x * x;
      if (norm > 0) for (let d = 0; d < dims; d++) centroid[d] = centroid[d]! / Math.sqrt(norm);
    }
  }
  return {
    version: 1,
    name,
    words: words.join('\n'),
    clusters: Array.from(assigned, (id) => id.toString(36)).join(','),
  };
}
