// Logistic regression over hashed features: the trained half of injection detection. The
// weights ship as JSON (int8-quantised, base64) and are trained by `npm run train:guard`.
import { z } from 'zod';
import { FEATURE_SET, hashedFeatures, type SparseVector } from './hashed-features.js';

/** The JSON file `npm run train:guard` writes. */
export const injectionModelSchema = z.object({
  version: z.literal(2),
  /** The featurizer the weights were trained on (`FEATURE_SET`). */
  features: z.literal(FEATURE_SET),
  /** log2 of the number of hashed buckets. */
  bits: z.number().int().min(8).max(24),
  bias: z.number(),
  /** Weight = int8 value * scale. */
  scale: z.number().positive(),
  /** Base64 of one signed byte per bucket. */
  weights: z.string(),
  /** Score at or above which a text is an attack, chosen by cross-validation on the training data. */
  threshold: z.number().min(0).max(1),
  training: z.record(z.string(), z.unknown()),
});

export type InjectionModel = z.infer<typeof injectionModelSchema>;

/** A loaded model: scores normalised text between 0 (benign) and 1 (attack). */
export class InjectionClassifier {
  readonly threshold: number;
  private readonly bits: number;
  private readonly bias: number;
  private readonly weights: Float32Array;

  constructor(model: InjectionModel) {
    const bytes = Buffer.from(model.weights, 'base64');
    if (bytes.length !== 1 << model.bits) throw new Error('injection model: weights do not match its size');
    this.bits = model.bits;
    this.bias = model.bias;
    this.threshold = model.threshold;
    this.weights = new Float32Array(bytes.length);
    const signed = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < signed.length; i++) this.weights[i] = signed[i]! * model.scale;
  }

  score(normalized: string): number {
    return scoreVector(this.weights, this.bias, hashedFeatures(normalized, this.bits));
  }
}

export function scoreVector(weights: Float32Array, bias: number, vector: SparseVector): number {
  let z = bias;
  for (let i = 0; i < vector.indices.length; i++) z += weights[vector.indices[i]!]! * vector.values[i]!;
  return 1 / (1 + Math.exp(-z));
}
