// `npx tsx scripts/static-intent-vectors.ts --variants mean,sif,… [options]`: static sentence
// vectors of the intent training and validation messages, built from Universal Sentence Encoder
// Lite vectors of single words (use-word-vectors.ts), for a cheap semantic teacher
// (explore-intent-teacher.ts --vectors /tmp/ist/vec/NAME.jsonl; docs/orchestrator.md, "A static
// USE Lite teacher"). A message's vector is the weighted mean of its words' vectors (unknown words
// skipped), at unit length. Variants:
// - mean: plain mean; sif: weights a / (a + p(w)), p(w) counted in the training messages;
// - bi / bimax: mean / meanmax over the words and the message's word pairs that have a vector;
// - meanmax / sifmax: the mean concatenated with the max-pooled vector, each at unit length;
// - avg: the plain mean, not scaled to unit length (a linear teacher over it folds into one row of
//   logits per word).
// --vocab train keeps only words (and pairs) seen in the training messages (CLINC train, own
// training part, training-only examples), as a shipped table would, so validation messages meet
// unknown words; --vocab all also keeps CLINC val's words. --pca N projects the table on its first
// N principal components (computed over the training messages' word occurrences); --int8 quantises
// the table (unit rows, one scale) as a shipped one would be. --map fits a ridge regression from the
// static vector to the message's real USE Lite vector (/tmp/intents-r/use.jsonl) on CLINC train and
// the training-only examples and writes the predicted vectors too (NAME-map). Prints the mean cosine
// to the real USE vectors over CLINC val and the own training part where those are cached.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { staticWords } from '../src/orchestrator/intent/intent-static-teacher.js';
import { readExploreData } from './intent-data.js';

const { values: args } = parseArgs({
  options: {
    words: { type: 'string', default: '/tmp/ist/use-words.jsonl' },
    use: { type: 'string', default: '/tmp/intents-r/use.jsonl' },
    out: { type: 'string', default: '/tmp/ist/vec' },
    variants: { type: 'string', default: 'mean,sif' },
    vocab: { type: 'string', default: 'train' },
    sifA: { type: 'string', default: '1e-3' },
    pca: { type: 'string', default: '0' },
    int8: { type: 'boolean', default: false },
    map: { type: 'boolean', default: false },
    ridge: { type: 'string', default: '1' },
    suffix: { type: 'string', default: '' },
  },
});

const { data, trainingTexts, allTexts } = readExploreData();
mkdirSync(args.out, { recursive: true });

// Word counts in the training messages (SIF weights and the `train` vocabulary).
const counts = new Map<string, number>();
let total = 0;
for (const text of trainingTexts) {
  const words = staticWords(text);
  for (const [i, word] of words.entries()) {
    counts.set(word, (counts.get(word) ?? 0) + 1);
    total++;
    if (i > 0) counts.set(`${words[i - 1]} ${word}`, (counts.get(`${words[i - 1]} ${word}`) ?? 0) + 1);
  }
}

const raw = new Map<string, Float32Array>();
for (const line of readFileSync(args.words, 'utf8').split('\n')) {
  if (!line) continue;
  const { w, v } = JSON.parse(line) as { w: string; v: number[] };
  if (args.vocab === 'all' || counts.has(w)) raw.set(w, Float32Array.from(v));
}
let dim = raw.values().next().value!.length;
process.stderr.write(`${raw.size} table entries (${args.vocab}), ${dim}-d\n`);

const unit = (v: Float32Array, from = 0, to = v.length) => {
  let norm = 0;
  for (let d = from; d < to; d++) norm += v[d]! * v[d]!;
  if (norm > 0) for (let d = from; d < to; d++) v[d] = v[d]! / Math.sqrt(norm);
  return v;
};

let table = raw;
if (Number(args.pca) > 0) table = projectOnComponents(raw, Number(args.pca));
if (args.int8) table = quantized(table);

/** The table's rows projected on the first `n` principal components of the training word occurrences. */
function projectOnComponents(rows: Map<string, Float32Array>, n: number): Map<string, Float32Array> {
  const mean = new Float64Array(dim);
  const cov = new Float64Array(dim * dim);
  let seen = 0;
  for (const [word, count] of counts) {
    const v = rows.get(word);
    if (!v || word.includes(' ')) continue;
    seen += count;
    for (let i = 0; i < dim; i++) {
      mean[i] = mean[i]! + count * v[i]!;
      for (let j = i; j < dim; j++) cov[i * dim + j] = cov[i * dim + j]! + count * v[i]! * v[j]!;
    }
  }
  for (let i = 0; i < dim; i++) mean[i] = mean[i]! / seen;
  for (let i = 0; i < dim; i++)
    for (let j = i; j < dim; j++)
      cov[j * dim + i] = cov[i * dim + j] = cov[i * dim + j]! / seen - mean[i]! * mean[j]!;
  const components = topEigenvectors(cov, dim, n);
  const out = new Map<string, Float32Array>();
  for (const [word, v] of rows) {
    const p = new Float32Array(n);
    for (let c = 0; c < n; c++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += (v[d]! - mean[d]!) * components[c]![d]!;
      p[c] = dot;
    }
    out.set(word, p);
  }
  dim = n;
  return out;
}

/** The top `n` eigenvectors of a symmetric matrix, by block power iteration with Gram-Schmidt. */
function topEigenvectors(m: Float64Array, size: number, n: number): Float64Array[] {
  let basis = Array.from({ length: n }, (_, c) =>
    Float64Array.from({ length: size }, (_, d) => Math.sin((c + 1) * (d + 1) * 12.9898) + (c === d ? 1 : 0)),
  );
  for (let iteration = 0; iteration < 60; iteration++) {
    basis = basis.map((b) => {
      const next = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        let s = 0;
        for (let j = 0; j < size; j++) s += m[i * size + j]! * b[j]!;
        next[i] = s;
      }
      return next;
    });
    for (let c = 0; c < n; c++) {
      const b = basis[c]!;
      for (let e = 0; e < c; e++) {
        let dot = 0;
        for (let d = 0; d < size; d++) dot += b[d]! * basis[e]![d]!;
        for (let d = 0; d < size; d++) b[d] = b[d]! - dot * basis[e]![d]!;
      }
      let norm = 0;
      for (const x of b) norm += x * x;
      for (let d = 0; d < size; d++) b[d] = b[d]! / Math.sqrt(norm);
    }
  }
  return basis;
}

/** Unit rows, quantised to int8 with one scale, as a shipped table would be. */
function quantized(rows: Map<string, Float32Array>): Map<string, Float32Array> {
  let max = 0;
  for (const v of rows.values()) {
    unit(v);
    for (const x of v) max = Math.max(max, Math.abs(x));
  }
  const scale = max / 127;
  return new Map([...rows].map(([w, v]) => [w, v.map((x) => Math.round(x / scale) * scale)]));
}

const a = Number(args.sifA);
const sifWeight = (word: string) => a / (a + (counts.get(word) ?? 0) / total);

function sentenceVector(variant: string, text: string): Float32Array {
  const withMax = variant.endsWith('max');
  const weighted = variant.startsWith('sif');
  const words = staticWords(text);
  const keys = variant.includes('bi')
    ? [...words, ...words.slice(1).map((w, i) => `${words[i]} ${w}`)]
    : words;
  const v = new Float32Array(withMax ? 2 * dim : dim);
  const max = new Float32Array(dim).fill(Number.NEGATIVE_INFINITY);
  let any = false;
  for (const key of keys) {
    const row = table.get(key);
    if (!row) continue;
    any = true;
    const w = weighted ? sifWeight(key) : 1;
    for (let d = 0; d < dim; d++) {
      v[d] = v[d]! + w * row[d]!;
      if (row[d]! > max[d]!) max[d] = row[d]!;
    }
  }
  if (!any) return v;
  if (variant.startsWith('avg')) {
    let weightSum = 0;
    for (const key of keys) if (table.has(key)) weightSum += 1;
    for (let d = 0; d < dim; d++) v[d] = v[d]! / weightSum;
  } else unit(v, 0, dim);
  if (withMax) {
    for (let d = 0; d < dim; d++) v[dim + d] = max[d]!;
    unit(v, dim, 2 * dim);
  }
  return v;
}

const use = new Map<string, Float32Array>();
if (existsSync(args.use))
  for (const line of readFileSync(args.use, 'utf8').split('\n')) {
    if (!line) continue;
    const { t, v } = JSON.parse(line) as { t: string; v: number[] };
    use.set(t, Float32Array.from(v));
  }

function cosine(x: Float32Array, y: Float32Array): number {
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (let d = 0; d < x.length; d++) {
    dot += x[d]! * y[d]!;
    nx += x[d]! * x[d]!;
    ny += y[d]! * y[d]!;
  }
  return nx > 0 && ny > 0 ? dot / Math.sqrt(nx * ny) : 0;
}

/** Mean cosine to the real USE vectors over CLINC val and the own training part. */
function closeness(vectors: Map<string, Float32Array>): string {
  const sets = { clincVal: data.clincVal, own: data.ownTrain };
  return Object.entries(sets)
    .map(([name, items]) => {
      const pairs = items.filter((i) => use.has(i.text));
      if (pairs.length === 0) return `${name} –`;
      const sum = pairs.reduce((s, i) => s + cosine(vectors.get(i.text)!, use.get(i.text)!), 0);
      return `${name} ${(sum / pairs.length).toFixed(4)} (${pairs.length})`;
    })
    .join(', ');
}

/** Ridge regression from the static vectors to the USE vectors, fitted on CLINC train and the training-only examples. */
function mapToUse(vectors: Map<string, Float32Array>): Map<string, Float32Array> {
  const fitTexts = [...data.clincTrain, ...data.extra].map((i) => i.text).filter((t) => use.has(t));
  const n = vectors.get(fitTexts[0]!)!.length + 1;
  const out = use.get(fitTexts[0]!)!.length;
  const xtx = new Float64Array(n * n);
  const xty = new Float64Array(n * out);
  for (const text of fitTexts) {
    const x = [...vectors.get(text)!, 1];
    const y = use.get(text)!;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      for (let j = i; j < n; j++) xtx[i * n + j] = xtx[i * n + j]! + xi * x[j]!;
      for (let o = 0; o < out; o++) xty[i * out + o] = xty[i * out + o]! + xi * y[o]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) xtx[i * n + j] = xtx[j * n + i]!;
  for (let i = 0; i < n - 1; i++) xtx[i * n + i] = xtx[i * n + i]! + Number(args.ridge);
  const w = solve(xtx, xty, n, out);
  return new Map(
    [...vectors].map(([text, v]) => {
      const p = new Float32Array(out);
      for (let o = 0; o < out; o++) {
        let s = w[(n - 1) * out + o]!;
        for (let i = 0; i < n - 1; i++) s += v[i]! * w[i * out + o]!;
        p[o] = s;
      }
      return [text, unit(p)];
    }),
  );
}

/** Solves A X = B (A n×n symmetric positive definite, B n×m) by Cholesky. */
function solve(m: Float64Array, b: Float64Array, n: number, cols: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = m[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(s) : s / l[j * n + j]!;
    }
  const x = Float64Array.from(b);
  for (let c = 0; c < cols; c++) {
    for (let i = 0; i < n; i++) {
      let s = x[i * cols + c]!;
      for (let k = 0; k < i; k++) s -= l[i * n + k]! * x[k * cols + c]!;
      x[i * cols + c] = s / l[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i * cols + c]!;
      for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k * cols + c]!;
      x[i * cols + c] = s / l[i * n + i]!;
    }
  }
  return x;
}

function write(name: string, vectors: Map<string, Float32Array>) {
  const lines = [...vectors].map(([text, v]) =>
    JSON.stringify({ t: text, v: Array.from(v, (x) => Math.round(x * 1e4) / 1e4) }),
  );
  writeFileSync(`${args.out}/${name}.jsonl`, `${lines.join('\n')}\n`);
  process.stderr.write(`wrote ${args.out}/${name}.jsonl; cosine to USE: ${closeness(vectors)}\n`);
}

let unknown = 0;
let seen = 0;
for (const item of data.clincVal)
  for (const word of staticWords(item.text)) {
    seen++;
    if (!table.has(word)) unknown++;
  }
process.stderr.write(`${((100 * unknown) / seen).toFixed(1)} % of CLINC val words have no vector\n`);
for (const variant of args.variants.split(',')) {
  const name = `${variant}-${args.vocab}${Number(args.pca) > 0 ? `-pca${args.pca}` : ''}${args.int8 ? '-int8' : ''}${args.suffix}`;
  const vectors = new Map(allTexts.map((text) => [text, sentenceVector(variant, text)]));
  write(name, vectors);
  if (args.map) write(`${name}-map`, mapToUse(vectors));
}
