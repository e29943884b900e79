// `npm run train:guard:semantic`: trains the semantic stage's head on the same TRAIN-split texts
// as the fast classifier (run `npm run train:guard` first: the band is chosen on the fast
// classifier's out-of-fold scores and its threshold) and writes
// src/guard/injection/semantic-model.json. Embedding some 3,000 texts with Universal Sentence
// Encoder Lite takes minutes, so the vectors are cached by text in GUARD_EMBEDDING_CACHE
// (default: the system's temporary directory); training itself is deterministic.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { injectionModelSchema } from '../src/guard/injection/injection-classifier.js';
import { semanticWindow } from '../src/guard/injection/semantic-head.js';
import { SentenceEmbedder } from '../src/guard/injection/sentence-embedder.js';
import { outOfFoldScores } from '../src/guard/injection/train-classifier.js';
import { trainSemanticHead } from '../src/guard/injection/train-semantic-head.js';
import { guardTrainingData } from './guard-training-data.js';

const HERE = import.meta.dirname;
const CACHE = process.env.GUARD_EMBEDDING_CACHE ?? path.join(tmpdir(), 'parley-guard-embeddings.json');
const options = z
  .object({ l2: z.number(), iterations: z.number(), learningRate: z.number(), maxEscalated: z.number() })
  .partial()
  .parse(JSON.parse(process.env.GUARD_SEMANTIC_OPTIONS ?? '{}'));

const data = guardTrainingData();
const fastModel = injectionModelSchema.parse(
  JSON.parse(readFileSync(path.join(HERE, '../src/guard/injection/injection-model.json'), 'utf8')),
);
const started = performance.now();
const windows = data.map((item) => semanticWindow(item.text));
const cache = new Map<string, number[]>(
  existsSync(CACHE)
    ? z.array(z.tuple([z.string(), z.array(z.number())])).parse(JSON.parse(readFileSync(CACHE, 'utf8')))
    : [],
);
const missing = [...new Set(windows.filter((w) => !cache.has(w)))];
if (missing.length > 0) {
  process.stdout.write(`embedding ${missing.length} texts (cache: ${CACHE})\n`);
  // Every text is queued at once: the serving queue's bound (load shedding) does not apply here.
  const embedder = new SentenceEmbedder({ maxWaiting: missing.length });
  const vectors = await Promise.all(missing.map((w) => embedder.embed(w)));
  await embedder.close();
  for (const [i, w] of missing.entries()) cache.set(w, vectors[i]!);
  writeFileSync(CACHE, JSON.stringify([...cache]));
}
const embedded = performance.now();
const fast = outOfFoldScores(data);
const head = trainSemanticHead(
  data.map((_, i) => ({ vector: cache.get(windows[i]!)!, fast: fast[i]! })),
  { fastThreshold: fastModel.threshold, ...options },
);
const out = path.join(HERE, '../src/guard/injection/semantic-model.json');
writeFileSync(out, `${JSON.stringify(head, null, 2)}\n`);
process.stdout.write(
  `embedded in ${((embedded - started) / 1000).toFixed(1)} s, trained in ${((performance.now() - embedded) / 1000).toFixed(1)} s; ` +
    `band [${head.band.low}, ${head.band.high}), threshold ${head.threshold}; ${JSON.stringify(head.training)}\nwrote ${out}\n`,
);
