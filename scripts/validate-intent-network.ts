// `npx tsx scripts/validate-intent-network.ts --base FILE [--dropout 0.4 --epochs 12 …]`: five-fold
// validation of the hidden-layer network (train-intent-network.ts), alone and averaged with the
// linear model at several mixes, using the linear model's validation predictions saved by
// `npm run train:intents -- --validate --predictions FILE` (same folds, same data, so the linear
// model is not trained again). Prints own-fold (pooled) and CLINC val (mean of the fold models)
// macro-F1 per mix; with --quant, fold by fold, the CLINC val figure of the int8-quantised network
// beside the float one; with --out FILE, every network prediction as JSONL.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type LabelledIntent, parseClinc, scoreIntents, withoutLeaks } from '../src/eval/intent/index.js';
import {
  INTENT_FEATURES_V1,
  INTENT_FEATURES_V2,
  type IntentFeatureSet,
  intentFeatures,
} from '../src/orchestrator/intent/intent-features.js';
import { INTENTS, type Intent } from '../src/orchestrator/intent/intent-labels.js';
import { networkScores } from '../src/orchestrator/intent/intent-network.js';
import { quantize } from '../src/orchestrator/intent/train-intent-model.js';
import { trainIntentNetwork } from '../src/orchestrator/intent/train-intent-network.js';
import { loadIntentData } from './intent-data.js';

const { values: args } = parseArgs({
  options: {
    hidden: { type: 'string', default: '64' },
    bits: { type: 'string', default: '16' },
    epochs: { type: 'string', default: '10' },
    lr: { type: 'string', default: '0.05' },
    dropout: { type: 'string', default: '0' },
    balance: { type: 'string', default: '0.3' },
    folds: { type: 'string', default: '0,1,2,3,4' },
    base: { type: 'string' },
    out: { type: 'string' },
    quant: { type: 'boolean', default: false },
    // v1: the featurizer before skip-grams and word positions (the figures in docs/orchestrator.md).
    features: { type: 'string', default: 'v2' },
  },
});
const data = loadIntentData();
const ownTrain = withoutLeaks(data.ownTrain, data.heldOutSets);
const clincTrain = withoutLeaks(parseClinc(data.clincContent, 'train'), data.ownSets);
const clincVal = parseClinc(data.clincContent, 'val');
const folds = args.folds.split(',').map(Number);
const features: IntentFeatureSet = args.features === 'v1' ? INTENT_FEATURES_V1 : INTENT_FEATURES_V2;
const opts = {
  hidden: Number(args.hidden),
  bits: Number(args.bits),
  epochs: Number(args.epochs),
  learningRate: Number(args.lr),
  dropout: Number(args.dropout),
  balance: Number(args.balance),
  features,
};
// Linear model's validation predictions, keyed by set, fold and text.
const base = new Map<string, number[]>();
for (const line of (args.base && existsSync(args.base) ? readFileSync(args.base, 'utf8') : '').split('\n')) {
  if (!line) continue;
  const row = JSON.parse(line) as { set: string; fold: number; text: string; scores: Record<string, number> };
  base.set(
    `${row.set}|${row.fold}|${row.text}`,
    INTENTS.map((intent) => row.scores[intent]!),
  );
}
const asResult = (p: ArrayLike<number>) => {
  let best = 0;
  for (let c = 1; c < INTENTS.length; c++) if (p[c]! > p[best]!) best = c;
  return {
    intent: INTENTS[best]!,
    score: p[best]!,
    unsure: false,
    scores: Object.fromEntries(INTENTS.map((i, c) => [i, p[c]!])) as Record<Intent, number>,
  };
};
const mix = (a: ArrayLike<number>, b: ArrayLike<number>, w: number) =>
  INTENTS.map((_, c) => w * a[c]! + (1 - w) * b[c]!);
const f1 = (items: LabelledIntent[], probs: Map<string, ArrayLike<number>>) =>
  scoreIntents(items, (text) => asResult(probs.get(text)!), 0).macroF1;
const WEIGHTS = [1, 0.7, 0.6, 0.5, 0.4, 0.3, 0];
const ownNet = new Map<string, number[]>();
const ownBase = new Map<string, number[]>();
const ownLeft: LabelledIntent[] = [];
const clincF1 = WEIGHTS.map(() => [] as number[]);
const rows: string[] = [];
const started = performance.now();
for (const fold of folds) {
  const net = trainIntentNetwork(
    [
      ...clincTrain,
      ...ownTrain.filter((_, i) => i % 5 !== fold).map((item) => ({ ...item, weight: 20 })),
      ...data.extra.map((item) => ({ ...item, weight: 10 })),
    ],
    opts,
  );
  if (args.quant) {
    const floatF1 = f1(
      clincVal,
      new Map(
        clincVal.map((item) => [
          item.text,
          Array.from(networkScores(net, intentFeatures(item.text, opts.bits, features))),
        ]),
      ),
    );
    const { scale, weights } = quantize(net.input);
    const bytes = new Int8Array(Buffer.from(weights, 'base64').buffer.slice(0));
    let max = 0;
    let sumAbs = 0;
    for (const w of net.input) {
      max = Math.max(max, Math.abs(w));
      sumAbs += Math.abs(w);
    }
    for (let i = 0; i < bytes.length; i++) net.input[i] = bytes[i]! * scale;
    const quantF1 = f1(
      clincVal,
      new Map(
        clincVal.map((item) => [
          item.text,
          Array.from(networkScores(net, intentFeatures(item.text, opts.bits, features))),
        ]),
      ),
    );
    process.stdout.write(
      `quantisation: max |w| ${max.toFixed(3)}, mean |w| ${(sumAbs / net.input.length).toFixed(4)}; CLINC val float ${floatF1.toFixed(4)} int8 ${quantF1.toFixed(4)}\n`,
    );
  }
  const predict = (text: string) => Array.from(networkScores(net, intentFeatures(text, opts.bits, features)));
  const left = ownTrain.filter((_, i) => i % 5 === fold);
  ownLeft.push(...left);
  for (const item of left) {
    ownNet.set(item.text, predict(item.text));
    ownBase.set(item.text, base.get(`own|${fold}|${item.text}`) ?? new Array<number>(INTENTS.length).fill(0));
    rows.push(
      JSON.stringify({ set: 'own', fold, text: item.text, label: item.label, p: ownNet.get(item.text) }),
    );
  }
  const cNet = new Map<string, number[]>();
  const cBase = new Map<string, number[]>();
  for (const item of clincVal) {
    cNet.set(item.text, predict(item.text));
    cBase.set(item.text, base.get(`clinc|${fold}|${item.text}`) ?? new Array<number>(INTENTS.length).fill(0));
    rows.push(
      JSON.stringify({ set: 'clinc', fold, text: item.text, label: item.label, p: cNet.get(item.text) }),
    );
  }
  WEIGHTS.forEach((w, i) => {
    const mixed = new Map(
      clincVal.map((item) => [item.text, mix(cNet.get(item.text)!, cBase.get(item.text)!, w)]),
    );
    clincF1[i]!.push(f1(clincVal, mixed));
  });
  process.stdout.write(
    `fold ${fold}: CLINC val net ${clincF1[0]!.at(-1)!.toFixed(4)} linear ${clincF1.at(-1)!.at(-1)!.toFixed(4)} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
  );
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
process.stdout.write(`options ${JSON.stringify(opts)} folds ${folds}\n`);
WEIGHTS.forEach((w, i) => {
  const mixed = new Map(
    ownLeft.map((item) => [item.text, mix(ownNet.get(item.text)!, ownBase.get(item.text)!, w)]),
  );
  process.stdout.write(
    `network weight ${w}: own ${f1(ownLeft, mixed).toFixed(4)}  CLINC val ${mean(clincF1[i]!).toFixed(4)}\n`,
  );
});
if (args.out) writeFileSync(args.out, `${rows.join('\n')}\n`);
