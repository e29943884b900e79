// The fast local intent classifier: multinomial logistic regression (softmax) over hashed
// n-gram features, no network and no model server; optionally averaged with a small hidden-layer
// network over the same features (`network` in the file) and with a static teacher over word
// vectors of Universal Sentence Encoder Lite (`teacher`: intent-static-teacher.ts). The weights ship as JSON
// (int8-quantised, base64), written by `npm run train:intents`; a file for other features or
// labels is refused.
import { z } from 'zod';
import {
  INTENT_FEATURE_SETS,
  type IntentFeatureSet,
  intentFeatures,
  type SparseVector,
} from './intent-features.js';
import { INTENTS, type Intent } from './intent-labels.js';
import { type IntentNetworkWeights, networkScores, softmaxInPlace } from './intent-network.js';
import { StaticTeacher, staticTeacherSchema } from './intent-static-teacher.js';

const labelCount = INTENTS.length;

/** The optional hidden-layer network whose probabilities are averaged with the linear model's. */
const networkSchema = z.object({
  /** log2 of its hashed buckets (may differ from the linear model's). */
  bits: z.number().int().min(8).max(20),
  hidden: z.number().int().min(1).max(512),
  /** Input weight = int8 value * inputScale. */
  inputScale: z.number().positive(),
  /** Base64 of one signed byte per bucket and hidden unit, bucket-major. */
  input: z.string(),
  hiddenBias: z.array(z.number()),
  /** hidden × labels floats, unit-major. */
  output: z.array(z.number()),
  outputBias: z.array(z.number()).length(labelCount),
  /** The network's share of the averaged probabilities (the linear model has the rest). */
  mix: z.number().min(0).max(1),
});

/** The JSON file `npm run train:intents` writes. */
export const intentModelSchema = z.object({
  version: z.literal(1),
  /** The featurizer the weights were trained on (one of `INTENT_FEATURE_SETS`). */
  features: z.enum(INTENT_FEATURE_SETS),
  /** The outputs, in order; must be `INTENTS`. */
  labels: z.array(z.string()).refine((labels) => labels.join() === INTENTS.join(), {
    message: `labels must be ${INTENTS.join(', ')}`,
  }),
  /** log2 of the number of hashed buckets. */
  bits: z.number().int().min(8).max(20),
  /** One bias per label. */
  bias: z.array(z.number()).length(INTENTS.length),
  /** Weight = int8 value * scale. */
  scale: z.number().positive(),
  /** Base64 of one signed byte per bucket and label, bucket-major (bucket * labels + label). */
  weights: z.string(),
  /** A top probability below this makes the result `unsure`. */
  threshold: z.number().min(0).max(1),
  training: z.record(z.string(), z.unknown()),
  network: networkSchema.optional(),
  /** The static teacher over word vectors of USE Lite, averaged in (intent-static-teacher.ts). */
  teacher: staticTeacherSchema.optional(),
});

export type IntentModel = z.infer<typeof intentModelSchema>;

/** The classifier's verdict on one message. */
export interface IntentResult {
  /** The most probable intent. */
  intent: Intent;
  /** Its probability (0-1). */
  score: number;
  /** True when `score` is below the model's threshold: a model step should decide instead. */
  unsure: boolean;
  /** Every intent's probability; they sum to 1. */
  scores: Record<Intent, number>;
}

/** A loaded model. Build it once (parsing the weights is the costly part) and reuse it. */
export class IntentClassifier {
  readonly threshold: number;
  private readonly bits: number;
  private readonly featureSet: IntentFeatureSet;
  private readonly bias: Float64Array;
  private readonly weights: Float32Array;
  private readonly network?: { weights: IntentNetworkWeights; mix: number; hidden: Float32Array };
  private readonly teacher?: StaticTeacher;

  /** Throws when `model` is not a valid intent model file. */
  constructor(model: unknown, options: { threshold?: number } = {}) {
    const parsed = intentModelSchema.parse(model);
    const bytes = Buffer.from(parsed.weights, 'base64');
    if (bytes.length !== (1 << parsed.bits) * INTENTS.length) {
      throw new Error('intent model: weights do not match its size');
    }
    this.bits = parsed.bits;
    this.featureSet = parsed.features;
    this.bias = Float64Array.from(parsed.bias);
    this.threshold = options.threshold ?? parsed.threshold;
    const signed = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    this.weights = new Float32Array(signed.length);
    for (let i = 0; i < signed.length; i++) this.weights[i] = signed[i]! * parsed.scale;
    if (parsed.network) {
      const weights = decodeNetwork(parsed.network);
      this.network = { weights, mix: parsed.network.mix, hidden: new Float32Array(weights.hidden) };
    }
    if (parsed.teacher) this.teacher = new StaticTeacher(parsed.teacher);
  }

  classify(text: string): IntentResult {
    const vector = intentFeatures(text, this.bits, this.featureSet);
    const probabilities = softmaxScores(this.weights, this.bias, vector);
    if (this.network) {
      const { weights, mix, hidden } = this.network;
      const own = weights.bits === this.bits ? vector : intentFeatures(text, weights.bits, this.featureSet);
      const other = networkScores(weights, own, hidden);
      for (let c = 0; c < labelCount; c++) probabilities[c] = (1 - mix) * probabilities[c]! + mix * other[c]!;
    }
    if (this.teacher) {
      const { mix } = this.teacher;
      const other = this.teacher.scores(text);
      for (let c = 0; c < labelCount; c++) probabilities[c] = (1 - mix) * probabilities[c]! + mix * other[c]!;
    }
    let best = 0;
    for (let k = 1; k < probabilities.length; k++) if (probabilities[k]! > probabilities[best]!) best = k;
    const scores = Object.fromEntries(INTENTS.map((intent, k) => [intent, round(probabilities[k]!)]));
    const score = probabilities[best]!;
    return {
      intent: INTENTS[best]!,
      score: round(score),
      unsure: score < this.threshold,
      scores: scores as Record<Intent, number>,
    };
  }
}

function decodeNetwork(network: z.infer<typeof networkSchema>): IntentNetworkWeights {
  const bytes = Buffer.from(network.input, 'base64');
  if (
    bytes.length !== (1 << network.bits) * network.hidden ||
    network.hiddenBias.length !== network.hidden ||
    network.output.length !== network.hidden * labelCount
  ) {
    throw new Error('intent model: network weights do not match its size');
  }
  const signed = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const input = new Float32Array(signed.length);
  for (let i = 0; i < signed.length; i++) input[i] = signed[i]! * network.inputScale;
  return {
    bits: network.bits,
    hidden: network.hidden,
    input,
    hiddenBias: Float32Array.from(network.hiddenBias),
    output: Float32Array.from(network.output),
    outputBias: Float32Array.from(network.outputBias),
  };
}

/** Class probabilities for one vector; `weights` is bucket-major with one slot per label. */
export function softmaxScores(weights: Float32Array, bias: Float64Array, vector: SparseVector): Float64Array {
  const k = bias.length;
  const z = Float64Array.from(bias);
  for (let i = 0; i < vector.indices.length; i++) {
    const base = vector.indices[i]! * k;
    const value = vector.values[i]!;
    for (let c = 0; c < k; c++) z[c] = z[c]! + weights[base + c]! * value;
  }
  return softmaxInPlace(z);
}

const round = (value: number) => Math.round(value * 10000) / 10000;
