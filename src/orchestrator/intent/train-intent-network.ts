// Trains the intent classifier's optional hidden layer: the same hashed features as the linear
// model, a small ReLU layer (an embedding bag: each bucket owns a row of `hidden` weights, so a
// message costs its buckets × hidden multiply-adds), then softmax. Trained by AdaGrad on the
// rows a message touches, with the linear trainer's class weights and seeded shuffles, so the
// same data gives the same weights. Written by hand: the network is two matrix-vector products
// over a sparse input, which no small, well-kept npm package trains on sparse hashed features
// without a native runtime (tfjs-node, onnxruntime) far larger than the model.

import type { IntentModel } from './intent-classifier.js';
import {
  INTENT_FEATURE_SET,
  type IntentFeatureSet,
  intentFeatures,
  type SparseVector,
} from './intent-features.js';
import { INTENTS } from './intent-labels.js';
import { hiddenLayer, type IntentNetworkWeights, outputLayer } from './intent-network.js';
import type { IntentExample } from './train-intent-model.js';
import { classWeights, mulberry32, quantize, shuffle } from './train-intent-model.js';

export interface IntentNetworkOptions {
  bits?: number;
  hidden?: number;
  epochs?: number;
  learningRate?: number;
  /** Exponent of the class weights, as in the linear trainer. */
  balance?: number;
  /** Share of hidden units dropped per example while training (0 none). */
  dropout?: number;
  seed?: number;
  /** The featurizer: the linear model's (the classifier reads both with the model file's). */
  features?: IntentFeatureSet;
}

export const NETWORK_DEFAULTS = {
  bits: 16,
  hidden: 64,
  epochs: 10,
  learningRate: 0.05,
  balance: 0.3,
  dropout: 0,
  seed: 42,
  features: INTENT_FEATURE_SET as IntentFeatureSet,
};

/** Trains the network on `data`; the features are the linear model's at `bits`. */
export function trainIntentNetwork(
  data: IntentExample[],
  options: IntentNetworkOptions = {},
): IntentNetworkWeights {
  const o = { ...NETWORK_DEFAULTS, ...options };
  const weightOf = classWeights(data, o.balance);
  const examples = data.map((item) => ({
    vector: intentFeatures(item.text, o.bits, o.features),
    label: INTENTS.indexOf(item.label),
    weight: (item.weight ?? 1) * weightOf(item.label),
  }));
  return fitNetwork(examples, o);
}

interface Example {
  vector: SparseVector;
  label: number;
  weight: number;
}

function fitNetwork(examples: Example[], o: typeof NETWORK_DEFAULTS): IntentNetworkWeights {
  const k = INTENTS.length;
  const H = o.hidden;
  const random = mulberry32(o.seed);
  const init = (size: number, spread: number) => {
    const array = new Float32Array(size);
    for (let i = 0; i < size; i++) array[i] = (random() * 2 - 1) * spread;
    return array;
  };
  const net: IntentNetworkWeights = {
    bits: o.bits,
    hidden: H,
    input: init((1 << o.bits) * H, 0.1),
    hiddenBias: new Float32Array(H).fill(0.01),
    output: init(H * k, 1 / Math.sqrt(H)),
    outputBias: new Float32Array(k),
  };
  // AdaGrad's sums of squared gradients, one per weight.
  const gInput = new Float32Array(net.input.length);
  const gHiddenBias = new Float32Array(H);
  const gOutput = new Float32Array(net.output.length);
  const gOutputBias = new Float32Array(k);
  const h = new Float32Array(H);
  const dh = new Float32Array(H);
  const keep = new Uint8Array(H);
  const lr = o.learningRate;
  const step = (w: Float32Array, g2: Float32Array, at: number, g: number) => {
    g2[at] = g2[at]! + g * g;
    w[at] = w[at]! - (lr / Math.sqrt(1e-8 + g2[at]!)) * g;
  };
  const order = examples.map((_, i) => i);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, random);
    for (const index of order) {
      const ex = examples[index]!;
      hiddenLayer(net, ex.vector, h);
      if (o.dropout > 0) {
        const scale = 1 / (1 - o.dropout);
        for (let j = 0; j < H; j++) {
          keep[j] = random() >= o.dropout ? 1 : 0;
          h[j] = keep[j] ? h[j]! * scale : 0;
        }
      }
      const p = outputLayer(net, h);
      dh.fill(0);
      for (let c = 0; c < k; c++) {
        const g = (p[c]! - (c === ex.label ? 1 : 0)) * ex.weight;
        step(net.outputBias, gOutputBias, c, g);
        for (let j = 0; j < H; j++) {
          if (h[j] === 0) continue;
          const at = j * k + c;
          dh[j] = dh[j]! + g * net.output[at]!;
          step(net.output, gOutput, at, g * h[j]!);
        }
      }
      if (o.dropout > 0) for (let j = 0; j < H; j++) dh[j] = keep[j] ? dh[j]! / (1 - o.dropout) : 0;
      for (let j = 0; j < H; j++) if (h[j] === 0) dh[j] = 0;
      for (let j = 0; j < H; j++) if (dh[j] !== 0) step(net.hiddenBias, gHiddenBias, j, dh[j]!);
      for (let i = 0; i < ex.vector.indices.length; i++) {
        const base = ex.vector.indices[i]! * H;
        const value = ex.vector.values[i]!;
        for (let j = 0; j < H; j++) if (dh[j] !== 0) step(net.input, gInput, base + j, dh[j]! * value);
      }
    }
  }
  return net;
}

/** The model file's `network` section: input weights int8-quantised (one scale), the rest as numbers. */
export function networkSection(net: IntentNetworkWeights, mix: number): NonNullable<IntentModel['network']> {
  const { scale, weights } = quantize(net.input);
  return {
    bits: net.bits,
    hidden: net.hidden,
    inputScale: scale,
    input: weights,
    hiddenBias: Array.from(net.hiddenBias, roundWeight),
    output: Array.from(net.output, roundWeight),
    outputBias: Array.from(net.outputBias, roundWeight),
    mix,
  };
}

const roundWeight = (value: number) => Math.round(value * 1e6) / 1e6;
