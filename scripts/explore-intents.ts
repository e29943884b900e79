// `npx tsx scripts/explore-intents.ts --name NAME [options]`: the five-fold validation of
// `train:intents -- --validate` (same folds, data and trainer), for trying options and feature
// families before they go into the featurizer: the first featurizer (INTENT_FEATURES_V1) plus the
// families of --features, each scaled to unit length then by its weight (`skip:0.7,head3:0.5`):
// skip (word skip-grams), head3 (the first three words at their positions), tri (word trigrams),
// wb (character 2-5-grams inside words, with boundary marks), first3, last2, prefix. Their hashes
// are not the featurizer's, so a row moves by a few thousandths against the same features in
// intent-features.ts (hash collisions). --clinc 0 trains on the own and training-only examples
// alone; --extraWeight 0 leaves the training-only examples out. Prints own five-fold (pooled) and
// CLINC val (mean of the fold models) macro-F1, appends the row to /tmp/intent-explore/results.tsv
// and writes every validation probability to /tmp/intent-explore/NAME.jsonl.
// `--mix A,B --weight W` reads two such runs and scores (1 − W) × A's probabilities + W × B's.
// Reads no held-out message: the held-out sets only filter the training data, as in train-intents.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type LabelledIntent, parseClinc, withoutLeaks } from '../src/eval/intent/index.js';
import { softmaxScores } from '../src/orchestrator/intent/intent-classifier.js';
import {
  INTENT_FEATURES_V1,
  intentFeatures,
  type SparseVector,
} from '../src/orchestrator/intent/intent-features.js';
import { INTENTS } from '../src/orchestrator/intent/intent-labels.js';
import { averageFits, classWeights, quantize } from '../src/orchestrator/intent/train-intent-model.js';
import { DEFAULT_PATHS, loadIntentData, root } from './intent-data.js';

const { values: args } = parseArgs({
  options: {
    name: { type: 'string', default: 'run' },
    bits: { type: 'string', default: '18' },
    epochs: { type: 'string', default: '16' },
    lr: { type: 'string', default: '0.2' },
    l2: { type: 'string', default: '1e-6' },
    fits: { type: 'string', default: '5' },
    balance: { type: 'string', default: '0.3' },
    own: { type: 'string', default: '20' },
    extraWeight: { type: 'string', default: '10' },
    features: { type: 'string', default: '' },
    famWeight: { type: 'string', default: '1' },
    // Averages the iterates of the last `avg` share of epochs (0: the last iterate).
    avg: { type: 'string', default: '0' },
    folds: { type: 'string', default: '0,1,2,3,4' },
    extraFile: { type: 'string' },
    // CLINC's train split counts this much (0: own and training-only examples alone).
    clinc: { type: 'string', default: '1' },
    mix: { type: 'string' },
    weight: { type: 'string', default: '0.2' },
  },
});
const OUT = '/tmp/intent-explore';
const num = (key: keyof typeof args) => Number(args[key]);
const bits = num('bits');
// The leak filtering is slow: its result is cached per content of the input files.
const inputs = createHash('sha1');
for (const file of Object.values(DEFAULT_PATHS)) inputs.update(readFileSync(path.resolve(root, file)));
const cacheFile = `${OUT}/data-${inputs.digest('hex').slice(0, 12)}.json`;
mkdirSync(OUT, { recursive: true });
let cached: {
  ownTrain: LabelledIntent[];
  extra: LabelledIntent[];
  clincTrain: LabelledIntent[];
  clincVal: LabelledIntent[];
};
if (existsSync(cacheFile)) cached = JSON.parse(readFileSync(cacheFile, 'utf8'));
else {
  const data = loadIntentData();
  cached = {
    ownTrain: withoutLeaks(data.ownTrain, data.heldOutSets),
    extra: data.extra,
    clincTrain: withoutLeaks(parseClinc(data.clincContent, 'train'), data.ownSets),
    clincVal: parseClinc(data.clincContent, 'val'),
  };
  writeFileSync(cacheFile, JSON.stringify(cached));
}
const { ownTrain, clincTrain, clincVal } = cached;
let extra = cached.extra;
if (args.extraFile) {
  const data = loadIntentData({ extra: args.extraFile });
  extra = data.extra;
}
const families = args.features ? args.features.split(',') : [];
const famWeight = num('famWeight');

const FNV = 0x01000193;
function hash(tag: string, text: string): number {
  let h = 0x811c9dc5;
  for (const s of [tag, '\u001f', text])
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV);
  return h >>> 0;
}
const TOKEN = /[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu;

function familyKeys(family: string, tokens: string[]): string[] {
  const out: string[] = [];
  const n = tokens.length;
  if (family === 'skip') for (let i = 2; i < n; i++) out.push(`${tokens[i - 2]} _ ${tokens[i]}`);
  if (family === 'tri')
    for (let i = 2; i < n; i++) out.push(`${tokens[i - 2]} ${tokens[i - 1]} ${tokens[i]}`);
  if (family === 'head3') for (let i = 0; i < Math.min(3, n); i++) out.push(`${i}:${tokens[i]}`);
  if (family === 'first3' && n > 2) out.push(tokens.slice(0, 3).join(' '));
  if (family === 'last2' && n > 1) out.push(tokens.slice(-2).join(' '));
  if (family === 'wb') {
    for (const token of tokens) {
      const w = `<${token}>`;
      for (let len = 2; len <= 5; len++)
        for (let i = 0; i + len <= w.length; i++) out.push(w.slice(i, i + len));
    }
  }
  if (family === 'prefix') for (const token of tokens) if (token.length > 4) out.push(token.slice(0, 4));
  return out;
}

function features(text: string): SparseVector {
  const base = intentFeatures(text, bits, INTENT_FEATURES_V1);
  if (families.length === 0) return base;
  const mask = (1 << bits) - 1;
  const map = new Map<number, number>();
  for (let i = 0; i < base.indices.length; i++) map.set(base.indices[i]!, base.values[i]!);
  const tokens =
    text
      .slice(0, 400)
      .toLowerCase()
      .replace(/[\u2018\u2019`]/g, "'")
      .match(TOKEN) ?? [];
  for (const spec of families) {
    const [family, own] = spec.split(':') as [string, string | undefined];
    const keys = [...new Set(familyKeys(family, tokens))];
    if (keys.length === 0) continue;
    const value = (own === undefined ? famWeight : Number(own)) / Math.sqrt(keys.length);
    for (const key of keys) {
      const b = hash(family, key) & mask;
      map.set(b, (map.get(b) ?? 0) + value);
    }
  }
  return { indices: Uint32Array.from(map.keys()), values: Float32Array.from(map.values()) };
}

const k = INTENTS.length;

function train(data: Array<LabelledIntent & { weight?: number }>) {
  const weightOf = classWeights(data, num('balance'));
  const examples = data.map((item) => ({
    vector: vectorOf(item.text),
    label: INTENTS.indexOf(item.label),
    weight: (item.weight ?? 1) * weightOf(item.label),
  }));
  const fitted = averageFits(examples, {
    bits,
    epochs: num('epochs'),
    learningRate: num('lr'),
    l2: num('l2'),
    seed: 42,
    fits: num('fits'),
    averageLast: num('avg'),
  });
  // Quantised as the shipped file is.
  const { scale, weights } = quantize(fitted.weights);
  const buffer = Buffer.from(weights, 'base64');
  const bytes = new Int8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  return { weights: Float32Array.from(bytes, (w) => w * scale), bias: fitted.bias };
}

const vectors = new Map<string, SparseVector>();
function vectorOf(text: string) {
  let v = vectors.get(text);
  if (!v) {
    v = features(text);
    vectors.set(text, v);
  }
  return v;
}

function macroF1(labels: number[], predicted: number[]): { macro: number; f1: number[] } {
  const f1: number[] = [];
  for (let c = 0; c < k; c++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < labels.length; i++) {
      if (predicted[i] === c && labels[i] === c) tp++;
      else if (predicted[i] === c) fp++;
      else if (labels[i] === c) fn++;
    }
    if (tp + fn === 0) {
      f1.push(Number.NaN);
      continue;
    }
    f1.push(tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));
  }
  const present = f1.filter((v) => !Number.isNaN(v));
  return { macro: present.reduce((a, b) => a + b, 0) / present.length, f1 };
}

const argmax = (p: ArrayLike<number>) => {
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
  return best;
};

if (args.mix) {
  const [a, b] = args.mix.split(',') as [string, string];
  mixRuns(a, b, num('weight'));
} else validate();

function validate() {
  const started = performance.now();
  const folds = args.folds.split(',').map(Number);
  const ownLabels: number[] = [];
  const ownPred: number[] = [];
  const clincF1: number[] = [];
  const rows: string[] = [];
  for (const fold of folds) {
    const model = train([
      ...(num('clinc') > 0 ? clincTrain.map((item) => ({ ...item, weight: num('clinc') })) : []),
      ...ownTrain.filter((_, i) => i % 5 !== fold).map((item) => ({ ...item, weight: num('own') })),
      ...extra.map((item) => ({ ...item, weight: num('extraWeight') })),
    ]);
    const predict = (text: string) => softmaxScores(model.weights, model.bias, vectorOf(text));
    const row = (set: string, i: number, label: string, p: Float64Array) =>
      rows.push(JSON.stringify({ set, fold, i, label, p: Array.from(p, (v) => Math.round(v * 1e5) / 1e5) }));
    ownTrain.forEach((item, i) => {
      if (i % 5 !== fold) return;
      const p = predict(item.text);
      ownLabels.push(INTENTS.indexOf(item.label));
      ownPred.push(argmax(p));
      row('own', i, item.label, p);
    });
    const cl: number[] = [];
    const cp: number[] = [];
    clincVal.forEach((item, i) => {
      const p = predict(item.text);
      cl.push(INTENTS.indexOf(item.label));
      cp.push(argmax(p));
      row('clinc', i, item.label, p);
    });
    clincF1.push(macroF1(cl, cp).macro);
    process.stderr.write(
      `${args.name} fold ${fold}: CLINC val ${clincF1.at(-1)!.toFixed(4)} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
    );
  }
  writeFileSync(`${OUT}/${args.name}.jsonl`, `${rows.join('\n')}\n`);
  printRow(macroF1(ownLabels, ownPred), clincF1.reduce((a, b) => a + b, 0) / clincF1.length);
}

function printRow(own: { macro: number; f1: number[] }, clinc: number) {
  const line = `${args.name}\town ${own.macro.toFixed(4)}\tclinc ${clinc.toFixed(4)}\tmean ${((own.macro + clinc) / 2).toFixed(4)}\t${INTENTS.map((intent, c) => `${intent} ${own.f1[c]!.toFixed(3)}`).join(' ')}\t${JSON.stringify(args)}\n`;
  process.stdout.write(line);
  writeFileSync(`${OUT}/results.tsv`, line, { flag: 'a' });
}

/** Scores `(1 - weight) × a + weight × b` over two runs' saved validation probabilities. */
function mixRuns(a: string, b: string, weight: number) {
  type Row = { set: string; fold: number; i: number; label: string; p: number[] };
  const read = (name: string) =>
    readFileSync(`${OUT}/${name}.jsonl`, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Row);
  const other = new Map(read(b).map((r) => [`${r.set}|${r.fold}|${r.i}`, r.p]));
  const labels = new Map<string, number[]>();
  const predicted = new Map<string, number[]>();
  for (const r of read(a)) {
    const q = other.get(`${r.set}|${r.fold}|${r.i}`);
    if (!q) throw new Error(`${b} lacks ${r.set} ${r.fold} ${r.i}: not the same folds`);
    const key = r.set === 'own' ? 'own' : `clinc|${r.fold}`;
    if (!labels.has(key)) {
      labels.set(key, []);
      predicted.set(key, []);
    }
    labels.get(key)!.push(INTENTS.indexOf(r.label as (typeof INTENTS)[number]));
    predicted.get(key)!.push(argmax(r.p.map((v, c) => (1 - weight) * v + weight * q[c]!)));
  }
  const clinc = [...labels.keys()].filter((key) => key !== 'own');
  const mean =
    clinc.reduce((sum, key) => sum + macroF1(labels.get(key)!, predicted.get(key)!).macro, 0) / clinc.length;
  printRow(macroF1(labels.get('own')!, predicted.get('own')!), mean);
}
