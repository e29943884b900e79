// Trains the injection classifier: logistic regression by stochastic gradient descent with a
// seeded shuffle (so the same data always gives the same weights), L2 regularisation, and a
// threshold chosen on a held-out part of the training data (never on a test split).
import { hashedFeatures, type SparseVector } from './hashed-features.js';
import type { InjectionModel } from './injection-classifier.js';
import { scoreVector } from './injection-classifier.js';
import { matchInjectionRules } from './injection-rules.js';
import { normalizeText } from './normalize-text.js';

/** One labelled training text. */
export interface LabelledText {
  text: string;
  attack: boolean;
}

export interface TrainOptions {
  bits?: number;
  epochs?: number;
  learningRate?: number;
  l2?: number;
  /** Share of the data held out to choose the threshold. */
  holdout?: number;
  /** Largest false-positive rate accepted on the held-out part when choosing the threshold. */
  maxFalsePositiveRate?: number;
  seed?: number;
}

const DEFAULTS = {
  bits: 16,
  epochs: 20,
  learningRate: 0.5,
  l2: 1e-6,
  holdout: 0.2,
  maxFalsePositiveRate: 0.03,
  seed: 42,
};

interface Example {
  vector: SparseVector;
  label: number;
  /** A hand-written rule already calls it an attack, whatever the classifier says. */
  ruled: boolean;
}

/** Trains on `data` and returns the model file's content. */
export function trainInjectionModel(data: LabelledText[], options: TrainOptions = {}): InjectionModel {
  const o = { ...DEFAULTS, ...options };
  const examples = data.map((item) => {
    const normalized = normalizeText(item.text);
    return {
      vector: hashedFeatures(normalized, o.bits),
      label: item.attack ? 1 : 0,
      ruled: matchInjectionRules(normalized).length > 0,
    };
  });
  const random = mulberry32(o.seed);
  const order = shuffle(
    examples.map((_, i) => i),
    random,
  );
  const cut = Math.round(order.length * o.holdout);
  const held = order.slice(0, cut).map((i) => examples[i]!);
  const fit = order.slice(cut).map((i) => examples[i]!);
  // First fit without the held-out part to choose the threshold, then refit on everything.
  const probe = fitWeights(fit, o, mulberry32(o.seed + 1));
  // The threshold is chosen for the detector as shipped: rules OR classifier.
  const scored = held.map((ex) => ({
    score: ex.ruled ? 1 : scoreVector(probe.weights, probe.bias, ex.vector),
    label: ex.label,
  }));
  const { threshold, f1, fpr } = chooseThreshold(scored, o.maxFalsePositiveRate);
  const final = fitWeights(examples, o, mulberry32(o.seed + 2));
  return {
    version: 1,
    bits: o.bits,
    bias: final.bias,
    ...quantize(final.weights),
    threshold,
    training: {
      examples: examples.length,
      attacks: examples.filter((ex) => ex.label === 1).length,
      heldOut: held.length,
      heldOutF1: round(f1),
      heldOutFpr: round(fpr),
      epochs: o.epochs,
      l2: o.l2,
    },
  };
}

function fitWeights(examples: Example[], o: typeof DEFAULTS, random: () => number) {
  const weights = new Float32Array(1 << o.bits);
  let bias = 0;
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (const index of shuffle(
      examples.map((_, i) => i),
      random,
    )) {
      const ex = examples[index]!;
      const rate = o.learningRate / Math.sqrt(1 + step++ / examples.length);
      const gradient = scoreVector(weights, bias, ex.vector) - ex.label;
      bias -= rate * gradient;
      for (let i = 0; i < ex.vector.indices.length; i++) {
        const at = ex.vector.indices[i]!;
        weights[at] = weights[at]! - rate * (gradient * ex.vector.values[i]! + o.l2 * weights[at]!);
      }
    }
  }
  return { weights, bias };
}

/** The lowest threshold whose false-positive rate stays within the limit, maximising F1 among those. */
export function chooseThreshold(scored: { score: number; label: number }[], maxFpr: number) {
  let best = { threshold: 0.5, f1: -1, fpr: 1 };
  for (let t = 0.05; t < 0.96; t += 0.01) {
    const m = confusion(scored, t);
    if (m.fpr <= maxFpr && m.f1 > best.f1) best = { threshold: round(t), f1: m.f1, fpr: m.fpr };
  }
  return best;
}

function confusion(scored: { score: number; label: number }[], threshold: number) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let negatives = 0;
  for (const { score, label } of scored) {
    const predicted = score >= threshold;
    if (label === 0) negatives++;
    if (predicted && label === 1) tp++;
    else if (predicted) fp++;
    else if (label === 1) fn++;
  }
  const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  return { f1, fpr: negatives === 0 ? 0 : fp / negatives };
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
