// Trains the injection classifier: logistic regression by stochastic gradient descent with
// per-bucket step sizes (AdaGrad) and a seeded shuffle (so the same data always gives the same
// weights), L2 regularisation, and a threshold chosen by k-fold cross-validation on the training
// data (never on a test split), then a refit on all of it.
import { chooseThreshold, nearDuplicateGroups } from './choose-threshold.js';
import { thresholdFor } from './decision-threshold.js';
import { FEATURE_SET, hashedFeatures, type SparseVector } from './hashed-features.js';
import type { InjectionModel } from './injection-classifier.js';
import { scoreVector } from './injection-classifier.js';
import { matchInjectionRules } from './injection-rules.js';
import { normalizeText } from './normalize-text.js';

/** One labelled text. */
export interface LabelledText {
  text: string;
  attack: boolean;
  /** The labelled set it comes from (a file name); the threshold must suit every set. */
  set?: string;
}

export interface TrainOptions {
  bits?: number;
  epochs?: number;
  learningRate?: number;
  l2?: number;
  /** Cross-validation folds for choosing the threshold. */
  folds?: number;
  /** Largest false-positive rate accepted on any set, out of fold, when choosing the threshold. */
  maxFalsePositiveRate?: number;
  seed?: number;
}

// Chosen by 5-fold cross-validation on the training splits (near-duplicates kept in one fold).
const DEFAULTS = {
  bits: 16,
  epochs: 10,
  learningRate: 0.1,
  l2: 1e-5,
  folds: 5,
  maxFalsePositiveRate: 0.02,
  seed: 42,
};

interface Example {
  vector: SparseVector;
  label: number;
  normalized: string;
  /** A hand-written rule already calls it an attack, whatever the classifier says. */
  ruled: boolean;
  set: string;
}

/** Trains on `data` and returns the model file's content. */
export function trainInjectionModel(data: LabelledText[], options: TrainOptions = {}): InjectionModel {
  const o = { ...DEFAULTS, ...options };
  const examples = examplesOf(data, o);
  const choice = chooseThreshold(
    heldOutScores(examples, o).map((score) => ({
      isAttackAt: (threshold: number) => fastDecision(score, threshold),
      label: score.label,
      set: score.set,
    })),
    o.maxFalsePositiveRate,
  );
  const final = fitWeights(examples, o, mulberry32(o.seed));
  return {
    version: 2,
    features: FEATURE_SET,
    bits: o.bits,
    bias: final.bias,
    ...quantize(final.weights),
    threshold: choice.threshold,
    training: {
      examples: examples.length,
      attacks: examples.filter((ex) => ex.label === 1).length,
      folds: o.folds,
      crossValidated: Object.fromEntries(
        Object.entries(choice.sets).map(([set, m]) => [set, { f1: round(m.f1), fpr: round(m.fpr) }]),
      ),
      epochs: o.epochs,
      learningRate: o.learningRate,
      l2: o.l2,
    },
  };
}

/** One training text's out-of-fold classifier probability, and what the fast stage knows of it. */
export interface OutOfFoldScore {
  probability: number;
  /** A hand-written rule calls it an attack. */
  ruled: boolean;
  normalized: string;
  label: number;
  set: string;
  /** Its index in the data. */
  index: number;
}

/**
 * Every text scored by a classifier fitted on the folds it is not in (near-duplicates share a
 * fold), in the order of `data`: what the threshold, and the semantic stage's band, are chosen on.
 */
export function outOfFoldScores(data: LabelledText[], options: TrainOptions = {}): OutOfFoldScore[] {
  const o = { ...DEFAULTS, ...options };
  return heldOutScores(examplesOf(data, o), o);
}

function examplesOf(data: LabelledText[], o: typeof DEFAULTS): Example[] {
  return data.map((item) => {
    const normalized = normalizeText(item.text);
    return {
      vector: hashedFeatures(normalized, o.bits),
      label: item.attack ? 1 : 0,
      normalized,
      ruled: matchInjectionRules(normalized).length > 0,
      set: item.set ?? 'data',
    };
  });
}

function heldOutScores(examples: Example[], o: typeof DEFAULTS): OutOfFoldScore[] {
  const groups = nearDuplicateGroups(examples.map((ex) => ex.normalized));
  const ids = shuffle([...new Set(groups)], mulberry32(o.seed));
  const foldOf = new Map(ids.map((id, i) => [id, i % o.folds]));
  const scored: OutOfFoldScore[] = new Array(examples.length);
  for (let fold = 0; fold < o.folds; fold++) {
    const inFold = (i: number) => foldOf.get(groups[i]!) === fold;
    const model = fitWeights(
      examples.filter((_, i) => !inFold(i)),
      o,
      mulberry32(o.seed + 1 + fold),
    );
    examples.forEach((ex, index) => {
      if (!inFold(index)) return;
      const probability = scoreVector(model.weights, model.bias, ex.vector);
      scored[index] = {
        probability,
        ruled: ex.ruled,
        normalized: ex.normalized,
        label: ex.label,
        set: ex.set,
        index,
      };
    });
  }
  return scored;
}

/** The fast stage's decision on an out-of-fold score at a classifier threshold. */
export function fastDecision(score: OutOfFoldScore, threshold: number): boolean {
  return score.ruled || score.probability >= thresholdFor(score.normalized, threshold);
}

function fitWeights(examples: Example[], o: typeof DEFAULTS, random: () => number) {
  const weights = new Float32Array(1 << o.bits);
  // Sums of squared gradients, per bucket and for the bias: AdaGrad's step sizes.
  const squared = new Float32Array(1 << o.bits);
  let bias = 0;
  let biasSquared = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (const index of shuffle(
      examples.map((_, i) => i),
      random,
    )) {
      const ex = examples[index]!;
      const gradient = scoreVector(weights, bias, ex.vector) - ex.label;
      biasSquared += gradient * gradient;
      bias -= (o.learningRate / Math.sqrt(1 + biasSquared)) * gradient;
      for (let i = 0; i < ex.vector.indices.length; i++) {
        const at = ex.vector.indices[i]!;
        const g = gradient * ex.vector.values[i]! + o.l2 * weights[at]!;
        squared[at] = squared[at]! + g * g;
        weights[at] = weights[at]! - (o.learningRate / Math.sqrt(1e-8 + squared[at]!)) * g;
      }
    }
  }
  return { weights, bias };
}

function quantize(weights: Float32Array): { scale: number; weights: string } {
  let max = 0;
  for (const w of weights) max = Math.max(max, Math.abs(w));
  const scale = max === 0 ? 1 : max / 127;
  const bytes = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) bytes[i] = Math.round(weights[i]! / scale);
  return { scale, weights: Buffer.from(bytes.buffer).toString('base64') };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A small seeded PRNG, so that training is deterministic. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (value: number) => Math.round(value * 10000) / 10000;
