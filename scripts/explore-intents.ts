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
// --base v2 starts from the shipped featurizer (INTENT_FEATURES_V2; reproduces `train:intents --
// --validate` exactly). --nb L1,L2 adds L × a naive Bayes model's log-likelihood to the logits;
// --distill TEACHER --alpha A trains on (1 − A) × gold + A × the teacher's probabilities (written by
// explore-intent-teacher.ts; --distillSets own leaves CLINC's labels hard); --augment FILE adds
// variants of the fold's training messages labelled by the teacher alone. --mix … --gate T
// consults B only where A's top probability is below T.
// Reads no held-out message: the held-out sets only filter the training data, as in train-intents.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type LabelledIntent, parseClinc, withoutLeaks } from '../src/eval/intent/index.js';
import { softmaxScores } from '../src/orchestrator/intent/intent-classifier.js';
import {
  INTENT_FEATURES_V1,
  INTENT_FEATURES_V2,
  intentFeatures,
  type SparseVector,
} from '../src/orchestrator/intent/intent-features.js';
import { INTENTS } from '../src/orchestrator/intent/intent-labels.js';
import { averageFits, classWeights, quantize } from '../src/orchestrator/intent/train-intent-model.js';
import { DEFAULT_PATHS, loadIntentData, root } from './intent-data.js';
import { argmax, macroF1 } from './intent-explore-metrics.js';

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
    // The featurizer the families are added to: v1 (INTENT_FEATURES_V1) or v2 (the shipped one).
    base: { type: 'string', default: 'v1' },
    famWeight: { type: 'string', default: '1' },
    // Averages the iterates of the last `avg` share of epochs (0: the last iterate).
    avg: { type: 'string', default: '0' },
    folds: { type: 'string', default: '0,1,2,3,4' },
    extraFile: { type: 'string' },
    // CLINC's train split counts this much (0: own and training-only examples alone).
    clinc: { type: 'string', default: '1' },
    mix: { type: 'string' },
    // Distillation: targets (1 − alpha) × gold + alpha × the teacher's probabilities, read per fold
    // from /tmp/intent-explore/TEACHER-soft.jsonl (written by explore-intent-teacher.ts).
    distill: { type: 'string' },
    alpha: { type: 'string', default: '0.5' },
    // Which messages get the blended targets: all, or own (the own and training-only examples; CLINC keeps its labels).
    distillSets: { type: 'string', default: 'all' },
    // Augmented variants (JSONL {src, t}) of training messages, trained on with the teacher's
    // probabilities alone, at this weight (only those whose source is in the fold's training part).
    augment: { type: 'string' },
    augmentWeight: { type: 'string', default: '1' },
    // Naive Bayes: adds lambda × a multinomial NB's log-likelihood (same features, smoothing
    // nbAlpha) to the linear model's logits — a linear model again; one row per lambda.
    nb: { type: 'string' },
    nbAlpha: { type: 'string', default: '0.1' },
    weight: { type: 'string', default: '0.2' },
    gate: { type: 'string', default: '2' },
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
  const base = intentFeatures(text, bits, args.base === 'v2' ? INTENT_FEATURES_V2 : INTENT_FEATURES_V1);
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

type TrainItem = LabelledIntent & { weight?: number; target?: number[] };
function train(data: TrainItem[]) {
  const weightOf = classWeights(data, num('balance'));
  const examples = data.map((item) => ({
    vector: vectorOf(item.text),
    label: INTENTS.indexOf(item.label),
    weight: (item.weight ?? 1) * weightOf(item.label),
    target: item.target,
  }));
  const nb = args.nb ? naiveBayes(examples) : undefined;
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
  return { weights: Float32Array.from(bytes, (w) => w * scale), bias: fitted.bias, nb };
}

/** Log-likelihood weights of a multinomial naive Bayes over the (weighted) feature values. */
function naiveBayes(examples: Array<{ vector: SparseVector; label: number; weight: number }>) {
  const size = 1 << bits;
  const counts = new Float64Array(size * k);
  const totals = new Float64Array(k);
  for (const ex of examples)
    for (let i = 0; i < ex.vector.indices.length; i++) {
      counts[ex.vector.indices[i]! * k + ex.label]! += ex.weight * ex.vector.values[i]!;
      totals[ex.label]! += ex.weight * ex.vector.values[i]!;
    }
  const alpha = num('nbAlpha');
  const logTheta = new Float32Array(size * k);
  for (let b = 0; b < size; b++) {
    let mean = 0;
    for (let c = 0; c < k; c++)
      mean += logTheta[b * k + c] = Math.log((counts[b * k + c]! + alpha) / (totals[c]! + alpha * size));
    for (let c = 0; c < k; c++) logTheta[b * k + c]! -= mean / k;
  }
  return logTheta;
}

/** The augmented variants of the fold's training messages (never of its left-out ones). */
function augmentedFor(fold: number, augmented: Array<{ src: string; t: string }>): string[] {
  const left = new Set(ownTrain.filter((_, i) => i % 5 === fold).map((item) => item.text));
  const kept = new Set(ownTrain.filter((_, i) => i % 5 !== fold).map((item) => item.text));
  for (const item of extra) kept.add(item.text);
  return augmented.filter((a) => kept.has(a.src) && !left.has(a.src) && !left.has(a.t)).map((a) => a.t);
}

/** A fold's teacher probabilities per training text. */
function teacherSoft(fold: number): Map<string, number[]> {
  const map = new Map<string, number[]>();
  if (!args.distill) return map;
  for (const line of readFileSync(`${OUT}/${args.distill}-soft.jsonl`, 'utf8').split('\n')) {
    if (!line) continue;
    const row = JSON.parse(line) as { fold: number; t: string; p: number[] };
    if (row.fold === fold) map.set(row.t, row.p);
  }
  return map;
}

function withTarget(item: TrainItem, soft: Map<string, number[]>): TrainItem {
  if (!args.distill) return item;
  const p = soft.get(item.text);
  if (!p) throw new Error(`no teacher probabilities for ${item.text}`);
  const alpha = num('alpha');
  const gold = INTENTS.indexOf(item.label);
  return { ...item, target: p.map((v, c) => (1 - alpha) * (c === gold ? 1 : 0) + alpha * v) };
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
  const lambdas = args.nb ? args.nb.split(',').map(Number) : [0];
  const nbOwn = lambdas.map(() => [] as number[]);
  const nbClinc = lambdas.map(() => [] as number[]);
  const augmented = args.augment
    ? readFileSync(args.augment, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { src: string; t: string })
    : [];
  for (const fold of folds) {
    const soft = teacherSoft(fold);
    const model = train([
      ...(num('clinc') > 0
        ? clincTrain.map((item) =>
            args.distillSets === 'own'
              ? { ...item, weight: num('clinc') }
              : withTarget({ ...item, weight: num('clinc') }, soft),
          )
        : []),
      ...ownTrain
        .filter((_, i) => i % 5 !== fold)
        .map((item) => withTarget({ ...item, weight: num('own') }, soft)),
      ...extra.map((item) => withTarget({ ...item, weight: num('extraWeight') }, soft)),
      ...augmentedFor(fold, augmented).map((text) => {
        const p = soft.get(text);
        if (!p) throw new Error(`no teacher probabilities for ${text}`);
        return { text, label: INTENTS[argmax(p)]!, weight: num('augmentWeight'), target: p };
      }),
    ]);
    const predictAt = (text: string, lambda: number) => {
      const v = vectorOf(text);
      if (!model.nb || lambda === 0) return softmaxScores(model.weights, model.bias, v);
      const p = softmaxScores(model.weights, model.bias, v);
      // logits = log p (up to a constant) + lambda × NB log-likelihood
      const logits = Array.from(p, (x) => Math.log(Math.max(x, 1e-300)));
      for (let i = 0; i < v.indices.length; i++)
        for (let c = 0; c < k; c++) logits[c]! += lambda * model.nb[v.indices[i]! * k + c]! * v.values[i]!;
      const max = Math.max(...logits);
      const e = logits.map((x) => Math.exp(x - max));
      const sum = e.reduce((a, b) => a + b, 0);
      return Float64Array.from(e, (x) => x / sum);
    };
    if (lambdas.length > 1 || lambdas[0] !== 0)
      lambdas.forEach((lambda, j) => {
        ownTrain.forEach((item, i) => {
          if (i % 5 === fold) nbOwn[j]!.push(argmax(predictAt(item.text, lambda)));
        });
        const cl = clincVal.map((item) => INTENTS.indexOf(item.label));
        nbClinc[j]!.push(
          macroF1(
            cl,
            clincVal.map((item) => argmax(predictAt(item.text, lambda))),
          ).macro,
        );
      });
    const predict = (text: string) => predictAt(text, lambdas[0]!);
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
  if (args.nb)
    lambdas.forEach((lambda, j) => {
      const line = `${args.name} nb ${lambda}\town ${macroF1(ownLabels, nbOwn[j]!).macro.toFixed(4)}\tclinc ${(nbClinc[j]!.reduce((a, b) => a + b, 0) / nbClinc[j]!.length).toFixed(4)}\n`;
      process.stdout.write(line);
      writeFileSync(`${OUT}/results.tsv`, line, { flag: 'a' });
    });
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
  let consulted = 0;
  const rows = read(a);
  for (const r of rows) {
    const q = other.get(`${r.set}|${r.fold}|${r.i}`);
    if (!q) throw new Error(`${b} lacks ${r.set} ${r.fold} ${r.i}: not the same folds`);
    const key = r.set === 'own' ? 'own' : `clinc|${r.fold}`;
    if (!labels.has(key)) {
      labels.set(key, []);
      predicted.set(key, []);
    }
    labels.get(key)!.push(INTENTS.indexOf(r.label as (typeof INTENTS)[number]));
    // With --gate T, B is consulted only where A's top probability is below T.
    const consult = Math.max(...r.p) < num('gate');
    if (consult) consulted++;
    predicted.get(key)!.push(argmax(consult ? r.p.map((v, c) => (1 - weight) * v + weight * q[c]!) : r.p));
  }
  const clinc = [...labels.keys()].filter((key) => key !== 'own');
  const mean =
    clinc.reduce((sum, key) => sum + macroF1(labels.get(key)!, predicted.get(key)!).macro, 0) / clinc.length;
  process.stderr.write(`${b} consulted for ${((100 * consulted) / rows.length).toFixed(1)} % of messages\n`);
  printRow(macroF1(labels.get('own')!, predicted.get('own')!), mean);
}
