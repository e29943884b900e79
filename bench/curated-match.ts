// Benchmark (not a test): the cost of matching one message against a bot's 5,000 curated answers
// (CuratedIndex.match, on a turn's critical path), and of building that index (on a bot's first
// turn, and on a refresh after its entries changed): the whole build, and the longest the event
// loop waits during it (CuratedIndex.build yields between slices). Questions are drawn from a small vocabulary with common
// words, so many entries share features with a message (long posting lists: the slow case).
// Every message runs in 9 interleaved passes and keeps its fastest time (robust to a busy machine).
//
//   npx tsx bench/curated-match.ts [ENTRIES]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CuratedIndex } from '../src/orchestrator/curated/index.js';

const ENTRIES = Number(process.argv[2] ?? 5_000);
const VERBS = ['reset', 'change', 'cancel', 'update', 'delete', 'export', 'share', 'find', 'pay', 'renew'];
const STARTS = ['How do I', 'Can I', 'Why can’t I', 'Where do I', 'When can I', 'What happens if I'];
const NOUNS = Array.from({ length: 400 }, (_, i) => `item${i}`);
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
const question = () =>
  `${pick(STARTS)} ${pick(VERBS)} my ${pick(NOUNS)} ${pick(['', 'account', 'order', 'plan'])} ${pick(NOUNS)}?`;

const entries = Array.from({ length: ENTRIES }, (_, i) => ({
  id: String(i),
  question: question(),
  answer: 'x',
}));
const builds: { ms: number; stallMs: number }[] = [];
let index = CuratedIndex.of([]);
for (let run = 0; run < 3; run++) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const began = performance.now();
  index = await CuratedIndex.build(entries);
  builds.push({ ms: performance.now() - began, stallMs: delay.max / 1e6 });
  delay.disable();
}
let started = performance.now();

const messages = [
  ...entries.slice(0, 200).map((entry) => entry.question.toUpperCase()), // exact
  ...entries.slice(200, 400).map((entry) => `please, ${entry.question.replace('my', 'our')}`), // close
  ...Array.from({ length: 400 }, () => question()), // mostly near misses over common words
  ...Array.from(
    { length: 200 },
    () => 'Tell me a long story about the sea and the tides and the moon, please',
  ),
];
const fastest = messages.map(() => Number.POSITIVE_INFINITY);
let matched = 0;
for (const message of messages) index.match(message, 0.85);
for (let pass = 0; pass < 9; pass++) {
  messages.forEach((message, i) => {
    started = performance.now();
    const match = index.match(message, 0.85);
    fastest[i] = Math.min(fastest[i]!, performance.now() - started);
    if (pass === 0 && match) matched++;
  });
}
const sorted = [...fastest].sort((a, b) => a - b);
const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
console.log(`entries=${ENTRIES} messages=${messages.length} matched=${matched}`);
for (const [run, build] of builds.entries())
  console.log(
    `build ${run + 1}: total_ms=${build.ms.toFixed(1)} longest_event_loop_stall_ms=${build.stallMs.toFixed(1)}`,
  );
console.log(
  `match_us p50=${(at(0.5) * 1000).toFixed(1)} p99=${(at(0.99) * 1000).toFixed(1)} max=${(at(1) * 1000).toFixed(1)}`,
);
