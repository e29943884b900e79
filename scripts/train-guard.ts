// `npm run train:guard`: retrains the prompt-injection classifier on the TRAIN splits only
// (guard-training-data.ts) and writes src/guard/injection/injection-model.json. Deterministic:
// same data, same file.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { trainInjectionModel } from '../src/guard/injection/train-classifier.js';
import { CLINC_STRIDE, guardTrainingData, TRAIN_FILES } from './guard-training-data.js';

// Training options other than the defaults, as JSON (e.g. '{"epochs": 20}'), for experiments.
const options = z
  .object({
    bits: z.number(),
    epochs: z.number(),
    learningRate: z.number(),
    l2: z.number(),
    maxFalsePositiveRate: z.number(),
  })
  .partial()
  .parse(JSON.parse(process.env.GUARD_TRAIN_OPTIONS ?? '{}'));
const data = guardTrainingData();
const started = performance.now();
const model = trainInjectionModel(data, options);
const out = path.resolve(import.meta.dirname, '../src/guard/injection/injection-model.json');
const files = TRAIN_FILES.map((f) => path.basename(f));
writeFileSync(
  out,
  `${JSON.stringify({ ...model, training: { ...model.training, files, clincStride: CLINC_STRIDE } }, null, 2)}\n`,
);
process.stdout.write(
  `trained on ${data.length} texts in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
    `threshold ${model.threshold}; ${JSON.stringify(model.training)}\nwrote ${out}\n`,
);
