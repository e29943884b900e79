// The semantic teacher of the distillation experiment (scripts/explore-intent-teacher.ts; tried,
// not shipped: docs/orchestrator.md): softmax regression over dense sentence vectors (Universal
// Sentence Encoder Lite, 512-d), trained by Adam on mini-batches with the same example and class
// weights as the fast model. Only training would use it: its probabilities on training messages
// become part of the fast model's targets (`target` in train-intent-model.ts), so the classifier
// stays the hashed-feature linear model and no sentence encoder runs per message. With `hidden`
// units it is a one-hidden-layer network instead (tried over GloVe sentence vectors).
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
  /** Units of one ReLU hidden layer before the softmax (0: softmax regression). */
  hidden: number;
  /** Share of hidden units dropped per training example (hidden layer only). */
  dropout: number;
}

export const TEACHER_DEFAULTS: TeacherOptions = {
  epochs: 30,
  learningRate: 0.01,
  l2: 1e-5,
  seed: 42,
  hidden: 0,
  dropout: 0,
};
const BATCH = 32;

/** Fits the teacher; returns its probabilities for a vector. */
export function trainIntentTeacher(
  examples: DenseExample[],
  options: Partial<TeacherOptions> = {},
): (vector: Float32Array) => Float64Array {
  const o = { ...TEACHER_DEFAULTS, ...options };
  if (o.hidden > 0) return trainHiddenTeacher(examples, o);
  return fitLinearTeacher(examples, o).predict;
}

/** The softmax-regression teacher's weights (dimension-major, `dim * labels + label`), bias and prediction. */
export function fitLinearTeacher(
  examples: DenseExample[],
  options: Partial<TeacherOptions> = {},
): { weights: Float64Array; bias: Float64Array; predict: (vector: Float32Array) => Float64Array } {
  const o = { ...TEACHER_DEFAULTS, ...options };
  const k = INTENTS.length;
  const dim = examples[0]?.vector.length ?? 0;
  const meanWeight = examples.reduce((sum, e) => sum + e.weight, 0) / examples.length;
  const weights = new Float64Array(dim * k);
  const bias = new Float64Array(k);
  const adam = [weights, bias].map(adamState);
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
      adamStep(adam[0]!, step, o.learningRate, o.l2);
      adamStep(adam[1]!, step, o.learningRate, 0);
    }
  }
  return { weights, bias, predict };
}

interface AdamState {
  p: Float64Array;
  g: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

const adamState = (p: Float64Array): AdamState => ({
  p,
  g: new Float64Array(p.length),
  m: new Float64Array(p.length),
  v: new Float64Array(p.length),
});

function adamStep({ p, g, m, v }: AdamState, step: number, learningRate: number, decay: number) {
  const c1 = 1 - 0.9 ** step;
  const c2 = 1 - 0.999 ** step;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]! + decay * p[i]!;
    m[i] = 0.9 * m[i]! + 0.1 * gi;
    v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
    p[i] = p[i]! - (learningRate * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + 1e-8);
  }
}

/** The teacher with one ReLU hidden layer (dropout on it while training), by the same Adam. */
function trainHiddenTeacher(examples: DenseExample[], o: TeacherOptions) {
  const k = INTENTS.length;
  const dim = examples[0]?.vector.length ?? 0;
  const h = o.hidden;
  const meanWeight = examples.reduce((sum, e) => sum + e.weight, 0) / examples.length;
  const random = mulberry32(o.seed);
  const init = (n: number, fanIn: number) =>
    Float64Array.from({ length: n }, () => (random() * 2 - 1) * Math.sqrt(6 / fanIn));
  const [w1, b1, w2, b2] = [
    adamState(init(dim * h, dim)),
    adamState(new Float64Array(h)),
    adamState(init(h * k, h)),
    adamState(new Float64Array(k)),
  ] as [AdamState, AdamState, AdamState, AdamState];
  const hiddenOf = (x: Float32Array, keep?: Uint8Array) => {
    const a = Float64Array.from(b1.p);
    for (let d = 0; d < dim; d++) {
      const xd = x[d]!;
      if (xd !== 0) for (let j = 0; j < h; j++) a[j] = a[j]! + xd * w1.p[d * h + j]!;
    }
    for (let j = 0; j < h; j++)
      a[j] = a[j]! > 0 && (!keep || keep[j]) ? a[j]! * (keep ? 1 / (1 - o.dropout) : 1) : 0;
    return a;
  };
  const outputOf = (a: Float64Array) => {
    const z = Float64Array.from(b2.p);
    for (let j = 0; j < h; j++) {
      const aj = a[j]!;
      if (aj !== 0) for (let c = 0; c < k; c++) z[c] = z[c]! + aj * w2.p[j * k + c]!;
    }
    return softmaxInPlace(z);
  };
  const order = examples.map((_, i) => i);
  const keep = new Uint8Array(h);
  const dz = new Float64Array(k);
  const da = new Float64Array(h);
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, random);
    for (let start = 0; start < order.length; start += BATCH) {
      for (const s of [w1, b1, w2, b2]) s.g.fill(0);
      for (const index of order.slice(start, start + BATCH)) {
        const ex = examples[index]!;
        if (o.dropout > 0) for (let j = 0; j < h; j++) keep[j] = random() >= o.dropout ? 1 : 0;
        const a = hiddenOf(ex.vector, o.dropout > 0 ? keep : undefined);
        const p = outputOf(a);
        const scale = ex.weight / meanWeight / BATCH;
        for (let c = 0; c < k; c++) {
          dz[c] = (p[c]! - (c === ex.label ? 1 : 0)) * scale;
          b2.g[c] = b2.g[c]! + dz[c]!;
        }
        for (let j = 0; j < h; j++) {
          da[j] = 0;
          const aj = a[j]!;
          if (aj === 0) continue;
          let back = 0;
          for (let c = 0; c < k; c++) {
            w2.g[j * k + c] = w2.g[j * k + c]! + aj * dz[c]!;
            back += w2.p[j * k + c]! * dz[c]!;
          }
          da[j] = back * (o.dropout > 0 ? 1 / (1 - o.dropout) : 1);
          b1.g[j] = b1.g[j]! + da[j]!;
        }
        for (let d = 0; d < dim; d++) {
          const xd = ex.vector[d]!;
          if (xd !== 0) for (let j = 0; j < h; j++) w1.g[d * h + j] = w1.g[d * h + j]! + xd * da[j]!;
        }
      }
      step++;
      adamStep(w1, step, o.learningRate, o.l2);
      adamStep(b1, step, o.learningRate, 0);
      adamStep(w2, step, o.learningRate, o.l2);
      adamStep(b2, step, o.learningRate, 0);
    }
  }
  return (x: Float32Array) => outputOf(hiddenOf(x));
}
