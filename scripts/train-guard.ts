// `npm run train:guard`: retrains the prompt-injection classifier on the TRAIN splits only and
// writes src/guard/injection/injection-model.json. Deterministic: same data, same file.
// Data paths default to the shared copies; override with GUARD_TRAIN_FILES (comma-separated).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatOf, parseLabelledTexts } from '../src/eval/guard/labelled-texts.js';
import { trainInjectionModel } from '../src/guard/injection/train-classifier.js';

const DATA = process.env.GUARD_DATA_DIR ?? path.resolve(import.meta.dirname, '../../shared/data');
const DEFAULT_FILES = [
  path.join(DATA, 'prompt-injections/train.jsonl'),
  path.join(DATA, 'jailbreak-classification/balanced/jailbreak_dataset_train_balanced.csv'),
  path.resolve(import.meta.dirname, 'guard-data/benign-questions.jsonl'),
];
const files = process.env.GUARD_TRAIN_FILES?.split(',') ?? DEFAULT_FILES;
for (const file of files) {
  if (/test/i.test(path.basename(file))) throw new Error(`refusing to train on a test split: ${file}`);
}

const data = files.flatMap((file) =>
  parseLabelledTexts(readFileSync(file, 'utf8'), formatOf(file)).map((item) => ({
    ...item,
    set: path.basename(file),
  })),
);
const started = performance.now();
const model = trainInjectionModel(data);
const out = path.resolve(import.meta.dirname, '../src/guard/injection/injection-model.json');
writeFileSync(
  out,
  `${JSON.stringify({ ...model, training: { ...model.training, files: files.map((f) => path.basename(f)) } }, null, 2)}\n`,
);
process.stdout.write(
  `trained on ${data.length} texts in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
    `threshold ${model.threshold}; ${JSON.stringify(model.training)}\nwrote ${out}\n`,
);
