// The semantic teacher of the distillation experiment (scripts/explore-intent-teacher.ts; tried,
// not shipped: docs/orchestrator.md): softmax regression over dense sentence vectors (Universal
// Sentence Encoder Lite, 512-d), trained by Adam on mini-batches with the same example and class
// weights as the fast model. Only training would use it: its probabilities on training messages
// become part of the fast model's targets (`target` in train-intent-model.ts), so the classifier
// stays the hashed-feature linear model and no sentence encoder runs per message.
import { INTENTS } from './intent-labels.js';
import { softmaxInPlace } from './intent-network.js';
import { mulberry32, shuffle } from './train-intent-model.js';

/** One training message as a dense vector with its intent (index into `INTENTS`) and weight. */
export interface DenseExample {
  vector: Float32Array;
  label: number;
  weight: number;
}

export interface TeacherOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

export const TEACHER_DEFAULTS: TeacherOptions = { epochs: 30, learningRate: 0.01, l2: 1e-5, seed: 42 };
const BATCH = 32;

/** Fits the teacher; returns its probabilities for a vector. */
export function trainIntentTeacher(
  examples: DenseExample[],
  options: Partial<TeacherOptions> = {},
): (vector: Float32Array) => Float64Array {
  const o = { ...TEACHER_DEFAULTS, ...options };
  const k = INTENTS.length;
  const dim = examples[0]?.vector.length ?? 0;
  const meanWeight = examples.reduce((sum, e) => sum + e.weight, 0) / examples.length;
  const weights = new Float64Array(dim * k);
  const bias = new Float64Array(k);
  const adam = [weights, bias].map((p) => ({
    p,
    g: new Float64Array(p.length),
    m: new Float64Array(p.length),
    v: new Float64Array(p.length),
  }));
  const predict = (x: Float32Array) => {
    const z = Float64Array.from(bias);
    for (let d = 0; d < dim; d++) {
      const xd = x[d]!;
      if (xd !== 0) for (let c = 0; c < k; c++) z[c] = z[c]! + xd * weights[d * k + c]!;
    }
    return softmaxInPlace(z);
  };
  const random = mulberry32(o.seed);
  const order = examples.map((_, i) => i);
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, random);
    for (let start = 0; start < order.length; start += BATCH) {
      for (const a of adam) a.g.fill(0);
      for (const index of order.slice(start, start + BATCH)) {
        const ex = examples[index]!;
        const p = predict(ex.vector);
        const scale = ex.weight / meanWeight / BATCH;
        for (let c = 0; c < k; c++) {
          const dz = (p[c]! - (c === ex.label ? 1 : 0)) * scale;
          adam[1]!.g[c] = adam[1]!.g[c]! + dz;
          for (let d = 0; d < dim; d++) adam[0]!.g[d * k + c] = adam[0]!.g[d * k + c]! + dz * ex.vector[d]!;
        }
      }
      step++;
      adam.forEach(({ p, g, m, v }, which) => {
        const decay = which === 0 ? o.l2 : 0;
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]! + decay * p[i]!;
          m[i] = 0.9 * m[i]! + 0.1 * gi;
          v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
          const mHat = m[i]! / (1 - 0.9 ** step);
          const vHat = v[i]! / (1 - 0.999 ** step);
          p[i] = p[i]! - (o.learningRate * mHat) / (Math.sqrt(vHat) + 1e-8);
        }
      });
    }
  }
  return predict;
}
