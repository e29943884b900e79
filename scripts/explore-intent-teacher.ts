// `npx tsx scripts/explore-intent-teacher.ts --vectors USE.jsonl --name NAME`: the semantic teacher
// of the distillation experiment (train-intent-teacher.ts): softmax regression over Universal
// Sentence Encoder Lite vectors, on the explore script's five folds (same data, weights and class
// weights). Writes the validation probabilities as NAME.jsonl (the explore script's format, so
// `explore-intents.ts --mix` can average them with a fast model's) and, per fold, its probabilities
// on that fold's training texts as NAME-soft.jsonl (the soft labels to distil from). Any sentence
// vectors in that JSONL format will do (GloVe ones: glove-intent-vectors.ts); --hidden N trains a
// network with one ReLU hidden layer instead (with --dropout on it).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { LabelledIntent } from '../src/eval/intent/index.js';
import { INTENTS } from '../src/orchestrator/intent/intent-labels.js';
import { classWeights } from '../src/orchestrator/intent/train-intent-model.js';
import { trainIntentTeacher } from '../src/orchestrator/intent/train-intent-teacher.js';
import { argmax, macroF1 } from './intent-explore-metrics.js';

const { values: args } = parseArgs({
  options: {
    name: { type: 'string', default: 'teacher' },
    vectors: { type: 'string', default: '/tmp/intents-r/use.jsonl' },
    epochs: { type: 'string', default: '30' },
    lr: { type: 'string', default: '0.01' },
    l2: { type: 'string', default: '1e-5' },
    // Units of a ReLU hidden layer (0: softmax regression) and the dropout on it.
    hidden: { type: 'string', default: '0' },
    dropout: { type: 'string', default: '0' },
    // Scales each dimension to mean 0 and deviation 1 over the fold's training vectors (foldable
    // into the first layer: for vectors with a large shared component, such as GloVe means).
    standardize: { type: 'boolean', default: false },
    balance: { type: 'string', default: '0.3' },
    own: { type: 'string', default: '20' },
    extraWeight: { type: 'string', default: '10' },
    folds: { type: 'string', default: '0,1,2,3,4' },
    // Augmented variants (JSONL {src, t}) whose soft labels are written too.
    soften: { type: 'string' },
  },
});
const OUT = '/tmp/intent-explore';
const num = (key: keyof typeof args) => Number(args[key]);
const dataFile = readdirSync(OUT).find((f) => f.startsWith('data-'))!;
const { ownTrain, extra, clincTrain, clincVal } = JSON.parse(
  readFileSync(`${OUT}/${dataFile}`, 'utf8'),
) as Record<string, LabelledIntent[]>;
const vectors = new Map<string, Float32Array>();
for (const line of readFileSync(args.vectors, 'utf8').split('\n')) {
  if (!line) continue;
  const { t, v } = JSON.parse(line) as { t: string; v: number[] };
  vectors.set(t, Float32Array.from(v));
}
let standardized = new Map<string, Float32Array>();
const vec = (text: string) => {
  const v = standardized.get(text) ?? vectors.get(text);
  if (!v) throw new Error(`no vector for ${text}`);
  return v;
};

/** With --standardize: every vector shifted and scaled by the training texts' mean and deviation. */
function standardize(texts: string[]) {
  if (!args.standardize) return;
  const dim = vectors.values().next().value!.length;
  const mean = new Float64Array(dim);
  const square = new Float64Array(dim);
  for (const text of texts) {
    const v = vectors.get(text)!;
    for (let d = 0; d < dim; d++) {
      mean[d] = mean[d]! + v[d]! / texts.length;
      square[d] = square[d]! + (v[d]! * v[d]!) / texts.length;
    }
  }
  const scale = mean.map((m, d) => 1 / Math.sqrt(Math.max(square[d]! - m * m, 1e-12)));
  standardized = new Map([...vectors].map(([t, v]) => [t, v.map((x, d) => (x - mean[d]!) * scale[d]!)]));
}

function train(data: Array<LabelledIntent & { weight: number }>, seed: number) {
  const weightOf = classWeights(data, num('balance'));
  const examples = data.map((d) => ({
    vector: vec(d.text),
    label: INTENTS.indexOf(d.label),
    weight: d.weight * weightOf(d.label),
  }));
  const predict = trainIntentTeacher(examples, {
    epochs: num('epochs'),
    learningRate: num('lr'),
    l2: num('l2'),
    hidden: num('hidden'),
    dropout: num('dropout'),
    seed,
  });
  return { predict };
}

const round = (p: Float64Array) => Array.from(p, (x) => Math.round(x * 1e5) / 1e5);
const softenTexts = args.soften
  ? readFileSync(args.soften, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { t: string }).t)
  : [];

const rows: string[] = [];
const soft: string[] = [];
const ownL: number[] = [];
const ownP: number[] = [];
const clincF1: number[] = [];
const started = performance.now();
for (const fold of args.folds.split(',').map(Number)) {
  const trainSet = [
    ...clincTrain!.map((i) => ({ ...i, weight: 1 })),
    ...ownTrain!.filter((_, i) => i % 5 !== fold).map((i) => ({ ...i, weight: num('own') })),
    ...extra!.map((i) => ({ ...i, weight: num('extraWeight') })),
  ];
  standardize(trainSet.map((i) => i.text));
  const model = train(trainSet, 42 + fold);
  ownTrain!.forEach((item, i) => {
    if (i % 5 !== fold) return;
    const p = model.predict(vec(item.text));
    ownL.push(INTENTS.indexOf(item.label));
    ownP.push(argmax(p));
    rows.push(JSON.stringify({ set: 'own', fold, i, label: item.label, p: round(p) }));
  });
  const cl: number[] = [];
  const cp: number[] = [];
  clincVal!.forEach((item, i) => {
    const p = model.predict(vec(item.text));
    cl.push(INTENTS.indexOf(item.label));
    cp.push(argmax(p));
    rows.push(JSON.stringify({ set: 'clinc', fold, i, label: item.label, p: round(p) }));
  });
  clincF1.push(macroF1(cl, cp).macro);
  for (const text of new Set([...trainSet.map((i) => i.text), ...softenTexts]))
    soft.push(JSON.stringify({ fold, t: text, p: round(model.predict(vec(text))) }));
  process.stderr.write(
    `fold ${fold}: CLINC val ${clincF1.at(-1)!.toFixed(4)} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
  );
}
writeFileSync(`${OUT}/${args.name}.jsonl`, `${rows.join('\n')}\n`);
writeFileSync(`${OUT}/${args.name}-soft.jsonl`, `${soft.join('\n')}\n`);
const line = `${args.name}\town ${macroF1(ownL, ownP).macro.toFixed(4)}\tclinc ${(clincF1.reduce((a, b) => a + b, 0) / clincF1.length).toFixed(4)}\t${JSON.stringify(args)}\n`;
process.stdout.write(line);
writeFileSync(`${OUT}/results.tsv`, line, { flag: 'a' });
