// The intent classifier's optional static teacher: softmax regression over a static approximation
// of Universal Sentence Encoder Lite (Model2Vec-style). Each word of the training vocabulary was
// embedded by the encoder on its own (train-static-teacher.ts); a message's vector is the
// SIF-weighted mean of its words' vectors (weight a / (a + p(w))) and their element-wise maximum,
// each at unit length (`sifmax`, 2 × 512 values), so no encoder runs per message: a few
// look-ups and one 1,024 × 8 product, microseconds. Unknown words are skipped; a message with
// none gets the bias alone. Its probabilities are averaged with the linear model's at `mix`.
// Tried, not shipped (the bundled model has no `teacher`): docs/orchestrator.md.
import { z } from 'zod';
import { normalizeMessage } from './intent-features.js';
import { INTENTS } from './intent-labels.js';
import { softmaxInPlace } from './intent-network.js';

const labelCount = INTENTS.length;
const WORD = /[\p{L}\p{N}]+(?:'[\p{L}]+)?|[?!]/gu;

/**
 * The words a static vector is made of: the message lower-cased and cut as the featurizer reads
 * it, its words (contractions whole, as the encoder read them) and its question and exclamation
 * marks, which carry intent.
 */
export function staticWords(text: string): string[] {
  return normalizeMessage(text).match(WORD) ?? [];
}

/** The `teacher` section of a model file. */
export const staticTeacherSchema = z.object({
  /** The vocabulary, one word per line, in table order. */
  words: z.string(),
  /** Values per word vector. */
  dim: z.number().int().min(1).max(1024),
  /** Vector value = int8 value * scale. */
  scale: z.number().positive(),
  /** Base64 of one signed byte per word and dimension, word-major. */
  table: z.string(),
  /** One SIF weight per word, in table order. */
  sif: z.array(z.number()),
  /** 2 × dim × labels floats, dimension-major (mean part, then max part). */
  weights: z.array(z.number()),
  bias: z.array(z.number()).length(labelCount),
  /** The teacher's share of the averaged probabilities (the linear model has the rest). */
  mix: z.number().min(0).max(1),
});

export type StaticTeacherSection = z.infer<typeof staticTeacherSchema>;

/** A decoded static teacher. */
export class StaticTeacher {
  readonly mix: number;
  private readonly rows: Map<string, number>;
  private readonly dim: number;
  private readonly table: Float32Array;
  private readonly sif: Float32Array;
  private readonly weights: Float32Array;
  private readonly bias: Float64Array;

  constructor(section: StaticTeacherSection) {
    const words = section.words.split('\n');
    const bytes = Buffer.from(section.table, 'base64');
    if (
      bytes.length !== words.length * section.dim ||
      section.sif.length !== words.length ||
      section.weights.length !== 2 * section.dim * labelCount
    ) {
      throw new Error('intent model: teacher weights do not match its size');
    }
    this.mix = section.mix;
    this.dim = section.dim;
    this.rows = new Map(words.map((word, row) => [word, row]));
    const signed = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    this.table = Float32Array.from(signed, (v) => v * section.scale);
    this.sif = Float32Array.from(section.sif);
    this.weights = Float32Array.from(section.weights);
    this.bias = Float64Array.from(section.bias);
  }

  /** The message's static vector: unit SIF-weighted mean, then unit maximum (zeros without a known word). */
  vector(text: string): Float32Array {
    return staticVector(staticWords(text), this.rows, this.table, this.sif, this.dim);
  }

  /** Every intent's probability. */
  scores(text: string): Float64Array {
    const x = this.vector(text);
    const z = Float64Array.from(this.bias);
    for (let d = 0; d < x.length; d++) {
      const xd = x[d]!;
      if (xd === 0) continue;
      const base = d * labelCount;
      for (let c = 0; c < labelCount; c++) z[c] = z[c]! + xd * this.weights[base + c]!;
    }
    return softmaxInPlace(z);
  }
}

/** The `sifmax` vector of a message's words over a word-major table (used by the trainer too). */
export function staticVector(
  words: string[],
  rows: ReadonlyMap<string, number>,
  table: Float32Array,
  sif: Float32Array,
  dim: number,
): Float32Array {
  const v = new Float32Array(2 * dim);
  let any = false;
  for (const word of words) {
    const row = rows.get(word);
    if (row === undefined) continue;
    const base = row * dim;
    const w = sif[row]!;
    for (let d = 0; d < dim; d++) {
      const x = table[base + d]!;
      v[d] = v[d]! + w * x;
      if (!any || x > v[dim + d]!) v[dim + d] = x;
    }
    any = true;
  }
  if (any) {
    toUnit(v, 0, dim);
    toUnit(v, dim, 2 * dim);
  }
  return v;
}

function toUnit(v: Float32Array, from: number, to: number) {
  let norm = 0;
  for (let d = from; d < to; d++) norm += v[d]! * v[d]!;
  if (norm === 0) return;
  const inverse = 1 / Math.sqrt(norm);
  for (let d = from; d < to; d++) v[d] = v[d]! * inverse;
}
