// The labelled texts both guard classifiers train on (TRAIN splits only): deepset's and
// jackhhao's train splits, the hand-written benign messages in guard-data/, and a sample of
// CLINC150's train split. Data paths default to the shared copies; override with GUARD_DATA_DIR,
// GUARD_TRAIN_FILES (comma-separated) and GUARD_CLINC_STRIDE.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { formatOf, parseLabelledTexts } from '../src/eval/guard/labelled-texts.js';
import type { LabelledText } from '../src/guard/injection/train-classifier.js';

const DATA = process.env.GUARD_DATA_DIR ?? path.resolve(import.meta.dirname, '../../shared/data');
const DEFAULT_FILES = [
  path.join(DATA, 'prompt-injections/train.jsonl'),
  path.join(DATA, 'jailbreak-classification/balanced/jailbreak_dataset_train_balanced.csv'),
  path.resolve(import.meta.dirname, 'guard-data/benign-questions.jsonl'),
  path.resolve(import.meta.dirname, 'guard-data/benign-technical.jsonl'),
];
// CLINC150's train split: ordinary short requests to an assistant ("hello", "thanks", "what's my
// balance"), all benign; every CLINC_STRIDE-th utterance is taken (0 leaves the set out).
const CLINC_FILE = path.join(DATA, 'clinc150/data_full.json');
const clincSchema = z.object({ train: z.array(z.tuple([z.string(), z.string()])) });

export const TRAIN_FILES = process.env.GUARD_TRAIN_FILES?.split(',') ?? DEFAULT_FILES;
export const CLINC_STRIDE = Number(process.env.GUARD_CLINC_STRIDE ?? 0);

/** The training texts, each tagged with its set; refuses any file named like a test split. */
export function guardTrainingData(): LabelledText[] {
  for (const file of TRAIN_FILES) {
    if (/test/i.test(path.basename(file))) throw new Error(`refusing to train on a test split: ${file}`);
  }
  return [
    ...TRAIN_FILES.flatMap((file) =>
      parseLabelledTexts(readFileSync(file, 'utf8'), formatOf(file)).map((item) => ({
        ...item,
        set: setOf(file),
      })),
    ),
    ...clincTrain(CLINC_STRIDE).map((item) => ({ ...item, set: 'clinc150-train' })),
  ];
}

// The hand-written attacks extend deepset's train split (direct injections in more languages and
// shapes): the threshold is chosen on them together, so that they count as much as deepset's own
// attacks rather than as a third public set in the mean F1.
const EXTENDS: Record<string, string> = { 'injection-variants.jsonl': 'train.jsonl' };
const setOf = (file: string) => EXTENDS[path.basename(file)] ?? path.basename(file);

/** Every `stride`-th utterance of CLINC150's train split, as benign texts. */
function clincTrain(stride: number): LabelledText[] {
  if (stride <= 0) return [];
  const { train } = clincSchema.parse(JSON.parse(readFileSync(CLINC_FILE, 'utf8')));
  return train.filter((_, i) => i % stride === 0).map(([text]) => ({ text, attack: false }));
}
