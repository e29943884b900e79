// `npx tsx scripts/check-intent-leakage.ts [--pairs] [--clinc-split]`: lists the intent training
// messages that are near duplicates (src/eval/intent/near-duplicate.ts) of a held-out message —
// the own held-out part, CLINC's test split or a Fastify check question — and exits 1 when the
// training-only file (examples/eval/intent-training-extra.jsonl) holds one: remove it there.
// Near ones in the own examples' training part and in CLINC's train + val splits live in files
// that are not ours to edit (the own examples' file also holds the held-out part); they are
// listed and `train-intents.ts` leaves them out. CLINC's train split against its own test split is
// the benchmark's design (its test messages were written to the same prompts) and is kept; with
// --clinc-split the script counts those too (slow: 18,200 × 5,500 messages).
// Prints training messages only; --pairs adds the held-out message each is near (which means
// reading held-out messages: not when writing new training examples).
import { parseArgs } from 'node:util';
import { findLeaks, type Leak, parseClinc } from '../src/eval/intent/index.js';
import { loadIntentData } from './intent-data.js';

const { values: args } = parseArgs({
  options: {
    pairs: { type: 'boolean', default: false },
    'clinc-split': { type: 'boolean', default: false },
  },
});
const data = loadIntentData();
const clincTrain = [...parseClinc(data.clincContent, 'train'), ...parseClinc(data.clincContent, 'val')];

function list(title: string, count: number, leaks: Leak[]) {
  const lines = new Set(leaks.map((leak) => leak.training)).size;
  process.stdout.write(`${title}: ${lines} of ${count} near a held-out message\n`);
  const seen = new Set<unknown>();
  for (const leak of leaks) {
    if (!args.pairs && seen.has(leak.training)) continue;
    seen.add(leak.training);
    const near = args.pairs ? `  <->  ${JSON.stringify(leak.heldOut.text)}` : '';
    process.stdout.write(`  [${leak.set}, ${leak.reason}] ${JSON.stringify(leak.training.text)}${near}\n`);
  }
}

const extraLeaks = findLeaks(data.extra, data.heldOutSets);
list(`${data.files.extra} (must be none)`, data.extra.length, extraLeaks);
list(
  'own training part (left out of training by train-intents)',
  data.ownTrain.length,
  findLeaks(data.ownTrain, data.heldOutSets),
);
list(
  'CLINC train + val, against the own held-out part and Fastify check (left out likewise)',
  clincTrain.length,
  findLeaks(clincTrain, data.ownSets),
);
if (args['clinc-split']) {
  const leaks = findLeaks(clincTrain, [{ name: 'CLINC test', items: data.clincTest }]);
  process.stdout.write(
    `CLINC train + val against CLINC test (kept: the benchmark's own split): ${new Set(leaks.map((l) => l.training)).size} of ${clincTrain.length}, ${leaks.length} pairs\n`,
  );
}
if (extraLeaks.length > 0) {
  process.stderr.write(`${data.files.extra}: remove the lines above, near held-out messages\n`);
  process.exitCode = 1;
}
