// Trains the intent classifier's static teacher (intent-static-teacher.ts) from Universal Sentence
// Encoder Lite vectors of single words (computed by the caller; the encoder is a training-time
// tool only): the vocabulary is every word of the training messages that has a vector, each row at
// unit length and int8-quantised with one scale as it ships; SIF weights a / (a + p(w)) come from
// the words' counts in the training messages; the teacher is the softmax regression of
// train-intent-teacher.ts over the messages' `sifmax` vectors, computed from the quantised table so
// that training sees what the classifier will. Options chosen on five-fold validation
// (scripts/explore-intent-teacher.ts); better there, not on the own held-out part, so not shipped
// (`npm run train:intents -- --teacher static`; docs/orchestrator.md, "A static USE Lite teacher").

import { INTENTS } from './intent-labels.js';
import { type StaticTeacherSection, staticVector, staticWords } from './intent-static-teacher.js';
import { classWeights, type IntentExample } from './train-intent-model.js';
import { fitLinearTeacher, type TeacherOptions } from './train-intent-teacher.js';

export interface StaticTeacherOptions {
  /** The SIF constant a. */
  sifA: number;
  /** Exponent of the class weights, as the linear model's. */
  balance: number;
  /** The teacher's share of the averaged probabilities. */
  mix: number;
  teacher?: Partial<TeacherOptions>;
  /** Words kept in the table beyond the training messages' (unseen there: SIF weight 1). */
  extraWords?: string[];
}

/** Every distinct word of the messages, commonest first, with its count and the total. */
export function staticVocabulary(texts: string[]): { counts: Map<string, number>; total: number } {
  const counts = new Map<string, number>();
  let total = 0;
  for (const text of texts)
    for (const word of staticWords(text)) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
      total++;
    }
  return { counts: new Map([...counts].sort((a, b) => b[1] - a[1])), total };
}

/**
 * Fits the teacher on `examples` (weights as the caller's, times the class weights); returns the
 * model file's section and the trainer's own probabilities for a message (what the classifier
 * must reproduce).
 */
export function trainStaticTeacher(
  examples: IntentExample[],
  wordVectors: ReadonlyMap<string, ArrayLike<number>>,
  options: StaticTeacherOptions,
): { section: StaticTeacherSection; predict: (text: string) => Float64Array } {
  const { counts, total } = staticVocabulary(examples.map((e) => e.text));
  const words = [...new Set([...counts.keys(), ...(options.extraWords ?? [])])].filter((word) =>
    wordVectors.has(word),
  );
  if (words.length === 0) throw new Error('static teacher: no training word has a vector');
  const dim = wordVectors.get(words[0]!)!.length;
  const unitRows = new Float32Array(words.length * dim);
  let max = 0;
  words.forEach((word, row) => {
    const v = wordVectors.get(word)!;
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += v[d]! * v[d]!;
    const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) {
      const x = v[d]! * inverse;
      unitRows[row * dim + d] = x;
      max = Math.max(max, Math.abs(x));
    }
  });
  const scale = max / 127;
  const bytes = Int8Array.from(unitRows, (x) => Math.round(x / scale));
  const table = Float32Array.from(bytes, (b) => b * scale);
  const sif = Float32Array.from(words, (w) => options.sifA / (options.sifA + (counts.get(w) ?? 0) / total));
  const rows = new Map(words.map((word, row) => [word, row]));
  const vectorOf = (text: string) => staticVector(staticWords(text), rows, table, sif, dim);
  const weightOf = classWeights(examples, options.balance);
  const fitted = fitLinearTeacher(
    examples.map((e) => ({
      vector: vectorOf(e.text),
      label: INTENTS.indexOf(e.label),
      weight: (e.weight ?? 1) * weightOf(e.label),
    })),
    options.teacher,
  );
  const section: StaticTeacherSection = {
    words: words.join('\n'),
    dim,
    scale,
    table: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64'),
    sif: Array.from(sif),
    weights: Array.from(fitted.weights),
    bias: Array.from(fitted.bias),
    mix: options.mix,
  };
  return { section, predict: (text) => fitted.predict(vectorOf(text)) };
}
