// The data of the intent classifier as `train-intents.ts` and `check-intent-leakage.ts` read it:
// CLINC150, the own examples (split into training and held-out parts by a hash of their text),
// the training-only examples and the Fastify check questions, with the three held-out sets named.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  isHeldOut,
  type LabelledIntent,
  type NamedSet,
  parseClinc,
  parseIntentJsonl,
  parseUnlabelledJsonl,
} from '../src/eval/intent/index.js';

export const root = path.resolve(import.meta.dirname, '..');

export const DEFAULT_PATHS = {
  clinc: '../shared/data/clinc150/data_full.json',
  examples: 'examples/eval/intent-examples.jsonl',
  extra: 'examples/eval/intent-training-extra.jsonl',
  check: 'examples/eval/fastify-questions.jsonl',
};

export function loadIntentData(paths: Partial<typeof DEFAULT_PATHS> = {}) {
  const files = { ...DEFAULT_PATHS, ...paths };
  const read = (file: string) => readFileSync(path.resolve(root, file), 'utf8');
  const clincContent = read(files.clinc);
  const own = parseIntentJsonl(read(files.examples));
  const ownHeldOut = own.filter((item) => isHeldOut(item.text));
  const check = parseUnlabelledJsonl(read(files.check), 'question');
  const clincTest = parseClinc(clincContent, 'test');
  /** Own held-out part and Fastify check: never trained on, nor anything near them. */
  const ownSets: NamedSet[] = [
    { name: 'own held-out', items: ownHeldOut },
    { name: 'Fastify check', items: check },
  ];
  return {
    files,
    clincContent,
    clincTest,
    ownTrain: own.filter((item) => !isHeldOut(item.text)),
    ownHeldOut,
    extra: parseIntentJsonl(read(files.extra)),
    ownSets,
    /** Every held-out set: the own ones and CLINC's test split. */
    heldOutSets: [...ownSets, { name: 'CLINC test', items: clincTest }] as NamedSet[],
  };
}

/** Where scripts/explore-intents.ts caches the validation data (own training part, training-only
 * examples, CLINC train and val, leaks left out) and writes its runs. */
export const EXPLORE_DIR = '/tmp/intent-explore';

/** The explore script's cached data, with its training texts and every text once. */
export function readExploreData() {
  const dataFile = readdirSync(EXPLORE_DIR).find((f) => f.startsWith('data-'));
  if (!dataFile) throw new Error(`no data file in ${EXPLORE_DIR}: run scripts/explore-intents.ts once first`);
  const data = JSON.parse(readFileSync(`${EXPLORE_DIR}/${dataFile}`, 'utf8')) as Record<
    'ownTrain' | 'extra' | 'clincTrain' | 'clincVal',
    LabelledIntent[]
  >;
  const trainingTexts = [...data.clincTrain, ...data.ownTrain, ...data.extra].map((i) => i.text);
  const allTexts = [...new Set([...trainingTexts, ...data.clincVal.map((i) => i.text)])];
  return { data, trainingTexts, allTexts };
}
