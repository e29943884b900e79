// Trains the intent classifier: multinomial logistic regression by stochastic gradient descent
// with per-weight step sizes (AdaGrad), L2 regularisation, class weights that lift rare intents
// part-way towards CLINC's large ones, and seeded shuffles, so the same data always gives the
// same file. Several fits that differ only in their shuffle are averaged: one fit moves by a
// point or two of macro-F1 with the order it saw the examples in.

import type { IntentModel } from './intent-classifier.js';
import { softmaxScores } from './intent-classifier.js';
import {
  INTENT_FEATURE_SET,
  type IntentFeatureSet,
  intentFeatures,
  type SparseVector,
} from './intent-features.js';
import { INTENTS, type Intent } from './intent-labels.js';

/** One training message. */
export interface IntentExample {
  text: string;
  label: Intent;
  /** How much this example counts (default 1); multiplied by its class weight. */
  weight?: number;
  /** Target probabilities (one per intent, in `INTENTS` order) instead of `label` alone: distillation. */
  target?: ArrayLike<number>;
}

export interface IntentTrainOptions {
  bits?: number;
  epochs?: number;
  learningRate?: number;
  l2?: number;
  /** Exponent of the class weights: 0 none, 1 fully balanced. */
  balance?: number;
  /** A top probability below this is reported as unsure. */
  threshold?: number;
  seed?: number;
  /** Fits this many times, each with its own shuffle (seed, seed + 1, …), and averages them. */
  fits?: number;
  /** The featurizer (default `INTENT_FEATURE_SET`; the first one, without skip-grams, for comparison). */
  features?: IntentFeatureSet;
  /** Averages the weights after each of this last share of the epochs (0: the last weights; tried, not used). */
  averageLast?: number;
}

// Chosen on CLINC's validation split and five folds of the own training examples
// (`npm run train:intents -- --validate`).
const DEFAULTS = {
  bits: 16,
  epochs: 16,
  learningRate: 0.2,
  l2: 1e-6,
  balance: 0.5,
  threshold: 0.5,
  seed: 42,
  fits: 5,
  features: INTENT_FEATURE_SET as IntentFeatureSet,
  averageLast: 0,
};

/** The fitting options of `averageFits`. */
export type FitOptions = Pick<
  typeof DEFAULTS,
  'bits' | 'epochs' | 'learningRate' | 'l2' | 'seed' | 'fits' | 'averageLast'
>;

/** Trains on `data` and returns the model file's content (`training` holds sizes and options). */
export function trainIntentModel(data: IntentExample[], options: IntentTrainOptions = {}): IntentModel {
  const o = { ...DEFAULTS, ...options };
  const weightOf = classWeights(data, o.balance);
  const examples = data.map((item) => ({
    vector: intentFeatures(item.text, o.bits, o.features),
    label: INTENTS.indexOf(item.label),
    weight: (item.weight ?? 1) * weightOf(item.label),
    target: item.target,
  }));
  const fitted = averageFits(examples, o);
  return {
    version: 1,
    features: o.features,
    labels: [...INTENTS],
    bits: o.bits,
    bias: Array.from(fitted.bias),
    ...quantize(fitted.weights),
    threshold: o.threshold,
    training: {
      examples: data.length,
      perIntent: Object.fromEntries(
        INTENTS.map((intent) => [intent, data.filter((item) => item.label === intent).length]),
      ),
      epochs: o.epochs,
      learningRate: o.learningRate,
      l2: o.l2,
      balance: o.balance,
      seed: o.seed,
      fits: o.fits,
    },
  };
}

/**
 * Class weights (total / (intents * count)) ** balance: 1 makes every intent weigh as much as
 * the average one, 0 leaves CLINC's proportions; in between lifts rare intents part-way.
 */
export function classWeights(data: IntentExample[], balance: number): (label: Intent) => number {
  const k = INTENTS.length;
  const counts = new Array<number>(k).fill(0);
  for (const item of data) counts[INTENTS.indexOf(item.label)]! += item.weight ?? 1;
  const total = counts.reduce((a, b) => a + b, 0);
  const weights = counts.map((count) => (count === 0 ? 0 : (total / (k * count)) ** balance));
  return (label) => weights[INTENTS.indexOf(label)]!;
}

/** A featurized training message. */
export interface FitExample {
  vector: SparseVector;
  label: number;
  weight: number;
  /** Soft target probabilities (one per intent) instead of the one-hot `label`: for distillation. */
  target?: ArrayLike<number>;
}

/** Mean of `o.fits` fits that differ only in their shuffle: steadier than any one of them. */
export function averageFits(examples: FitExample[], o: FitOptions) {
  const first = fitWeights(examples, o, o.seed);
  for (let f = 1; f < o.fits; f++) {
    const next = fitWeights(examples, o, o.seed + f);
    for (let i = 0; i < first.weights.length; i++) first.weights[i] = first.weights[i]! + next.weights[i]!;
    for (let c = 0; c < first.bias.length; c++) first.bias[c] = first.bias[c]! + next.bias[c]!;
  }
  for (let i = 0; i < first.weights.length; i++) first.weights[i] = first.weights[i]! / o.fits;
  for (let c = 0; c < first.bias.length; c++) first.bias[c] = first.bias[c]! / o.fits;
  return first;
}

function fitWeights(examples: FitExample[], o: FitOptions, seed: number) {
  const k = INTENTS.length;
  const weights = new Float32Array((1 << o.bits) * k);
  // Sums of squared gradients per weight and per bias: AdaGrad's step sizes.
  const squared = new Float32Array(weights.length);
  const bias = new Float64Array(k);
  const biasSquared = new Float64Array(k);
  // With averageLast, sums of the weights after each of the last epochs.
  const averageFrom = o.averageLast > 0 ? Math.floor(o.epochs * (1 - o.averageLast)) : o.epochs;
  const sums = {
    weights: new Float32Array(averageFrom < o.epochs ? weights.length : 0),
    bias: new Float64Array(k),
  };
  const random = mulberry32(seed);
  const order = examples.map((_, i) => i);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, random);
    for (const index of order) {
      const ex = examples[index]!;
      const p = softmaxScores(weights, bias, ex.vector);
      for (let c = 0; c < k; c++) {
        const target = ex.target ? ex.target[c]! : c === ex.label ? 1 : 0;
        const gradient = (p[c]! - target) * ex.weight;
        biasSquared[c] = biasSquared[c]! + gradient * gradient;
        bias[c] = bias[c]! - (o.learningRate / Math.sqrt(1 + biasSquared[c]!)) * gradient;
        for (let i = 0; i < ex.vector.indices.length; i++) {
          const at = ex.vector.indices[i]! * k + c;
          const g = gradient * ex.vector.values[i]! + o.l2 * weights[at]!;
          squared[at] = squared[at]! + g * g;
          weights[at] = weights[at]! - (o.learningRate / Math.sqrt(1e-8 + squared[at]!)) * g;
        }
      }
    }
    if (epoch >= averageFrom) {
      for (let i = 0; i < weights.length; i++) sums.weights[i] = sums.weights[i]! + weights[i]!;
      for (let c = 0; c < k; c++) sums.bias[c] = sums.bias[c]! + bias[c]!;
    }
  }
  if (averageFrom >= o.epochs) return { weights, bias };
  const n = o.epochs - averageFrom;
  return { weights: sums.weights.map((w) => w / n), bias: sums.bias.map((b) => b / n) };
}

export function quantize(weights: Float32Array): { scale: number; weights: string } {
  let max = 0;
  for (const w of weights) max = Math.max(max, Math.abs(w));
  const scale = max === 0 ? 1 : max / 127;
  const bytes = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) bytes[i] = Math.round(weights[i]! / scale);
  return { scale, weights: Buffer.from(bytes.buffer).toString('base64') };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A small seeded PRNG, so that training is deterministic. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
