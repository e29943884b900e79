// The semantic stage's classifier head: logistic regression over a Universal Sentence Encoder
// Lite vector (512 numbers), and the grey band of fast-stage scores in which it is consulted.
// Trained by `npm run train:guard:semantic` (train-semantic-head.ts) on the training splits.
import { z } from 'zod';
import { headAndTail, normalizeText } from './normalize-text.js';
import headFile from './semantic-model.json' with { type: 'json' };

/** Names the encoder and input window the weights were trained on. */
export const SEMANTIC_FEATURES = 'use-lite-512+normalized+head-1000-tail-300';
export const EMBEDDING_SIZE = 512;

/** The JSON file `npm run train:guard:semantic` writes. */
export const semanticHeadSchema = z.object({
  version: z.literal(1),
  features: z.literal(SEMANTIC_FEATURES),
  bias: z.number(),
  /** Base64 of the 512 weights as little-endian float32. */
  weights: z.string(),
  /** Semantic probability at or above which an escalated text is an attack. */
  threshold: z.number().min(0).max(1),
  /**
   * Fast-stage classifier scores in [low, high) with no rule fired are escalated to this stage;
   * outside the band the fast verdict stands. Chosen by cross-validation on the training data.
   */
  band: z.object({ low: z.number().min(0).max(1), high: z.number().min(0).max(1) }),
  training: z.record(z.string(), z.unknown()),
});

export type SemanticHead = z.infer<typeof semanticHeadSchema>;

/** What the encoder reads of a message: the fast stage's normalisation and window. */
export function semanticWindow(text: string): string {
  return headAndTail(normalizeText(text), 1000, 300);
}

/** The head's probability that a text with this embedding is an attack. */
export function scoreEmbedding(
  head: { weights: ArrayLike<number>; bias: number },
  vector: ArrayLike<number>,
): number {
  let z = head.bias;
  for (let i = 0; i < head.weights.length; i++) z += head.weights[i]! * vector[i]!;
  return 1 / (1 + Math.exp(-z));
}

/** Whether a fast verdict should be escalated: the classifier unsure and no rule sure. */
export function isUnsure(band: SemanticHead['band'], fast: { score: number; reasons: string[] }): boolean {
  const ruled = fast.reasons.some((reason) => reason !== 'classifier');
  return !ruled && fast.score >= band.low && fast.score < band.high;
}

/** A head ready to score: its weights decoded. */
export interface LoadedSemanticHead extends Omit<SemanticHead, 'weights'> {
  weights: Float32Array;
}

/** Validates a head file's content and decodes its weights; throws on a malformed one. */
export function parseSemanticHead(content: unknown): LoadedSemanticHead {
  const head = semanticHeadSchema.parse(content);
  const bytes = Buffer.from(head.weights, 'base64');
  if (bytes.length !== EMBEDDING_SIZE * 4) throw new Error('semantic head: weights do not match its size');
  const weights = new Float32Array(EMBEDDING_SIZE);
  for (let i = 0; i < EMBEDDING_SIZE; i++) weights[i] = bytes.readFloatLE(i * 4);
  return { ...head, weights };
}

/** The weights as the head file stores them. */
export function encodeWeights(weights: ArrayLike<number>): string {
  const bytes = Buffer.alloc(weights.length * 4);
  for (let i = 0; i < weights.length; i++) bytes.writeFloatLE(weights[i]!, i * 4);
  return bytes.toString('base64');
}

/** The head shipped with the package (`semantic-model.json`). */
export function defaultSemanticHead(): LoadedSemanticHead {
  return parseSemanticHead(headFile);
}
