// `npx tsx scripts/embed-intent-texts.ts DATA.json CACHE [AUGMENTED.jsonl]`: sentence vectors
// (intent-sentence-vectors.ts) of every text in the explore script's cached data (own training
// part, training-only examples, CLINC train and val) and of augmented variants (JSONL {src, t}),
// for explore-intent-teacher.ts.
import { readFileSync } from 'node:fs';
import { sentenceVectors } from './intent-sentence-vectors.js';

const [dataFile, cache, augmented] = process.argv.slice(2) as [string, string, string | undefined];
const data = JSON.parse(readFileSync(dataFile, 'utf8')) as Record<string, Array<{ text: string }>>;
const variants = augmented
  ? readFileSync(augmented, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { t: string }).t)
  : [];
await sentenceVectors(
  [...Object.values(data).flatMap((items) => items.map((i) => i.text)), ...variants],
  cache,
);
