// The forward pass of the intent classifier's optional hidden-layer network: the hashed features
// (a sparse vector) times a bucket-major input matrix, ReLU, then a small output layer and
// softmax. A message costs its buckets × hidden multiply-adds (about 150 × 64).
import type { SparseVector } from './intent-features.js';

/** Float weights of a trained network: `input` is bucket-major (bucket * hidden + unit). */
export interface IntentNetworkWeights {
  bits: number;
  hidden: number;
  input: Float32Array;
  hiddenBias: Float32Array;
  /** Unit-major (unit * labels + label). */
  output: Float32Array;
  outputBias: Float32Array;
}

/** The probabilities of every label for one vector, with `scratch` (length `hidden`) reused. */
export function networkScores(
  net: IntentNetworkWeights,
  vector: SparseVector,
  scratch?: Float32Array,
): Float64Array {
  const h = scratch ?? new Float32Array(net.hidden);
  hiddenLayer(net, vector, h);
  return outputLayer(net, h);
}

export function hiddenLayer(net: IntentNetworkWeights, vector: SparseVector, h: Float32Array): void {
  const H = net.hidden;
  h.set(net.hiddenBias);
  for (let i = 0; i < vector.indices.length; i++) {
    const base = vector.indices[i]! * H;
    const value = vector.values[i]!;
    for (let j = 0; j < H; j++) h[j] = h[j]! + net.input[base + j]! * value;
  }
  for (let j = 0; j < H; j++) if (h[j]! < 0) h[j] = 0;
}

export function outputLayer(net: IntentNetworkWeights, h: Float32Array): Float64Array {
  const k = net.outputBias.length;
  const z = new Float64Array(k);
  for (let c = 0; c < k; c++) z[c] = net.outputBias[c]!;
  for (let j = 0; j < net.hidden; j++) {
    const a = h[j]!;
    if (a === 0) continue;
    const base = j * k;
    for (let c = 0; c < k; c++) z[c] = z[c]! + net.output[base + c]! * a;
  }
  return softmaxInPlace(z);
}

/** Turns scores into probabilities in place (and returns them). */
export function softmaxInPlace(z: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  for (let c = 0; c < z.length; c++) {
    z[c] = Math.exp(z[c]! - max);
    sum += z[c]!;
  }
  for (let c = 0; c < z.length; c++) z[c] = z[c]! / sum;
  return z;
}
