// Benchmark (not a test): what PII redaction costs per message, and the worded-number rule's share
// of it (spelled-out digits, words between digit groups: src/guard/pii/worded-numbers.ts). Best of
// 7 rounds each, so a busy machine's other work counts as little as possible.
//
//   npx tsx bench/pii-redaction.ts
import { redactPii } from '../src/guard/pii/index.js';
import { WORDED_NUMBER_DETECTOR } from '../src/guard/pii/worded-numbers.js';

const texts: [string, string, number][] = [
  [
    'a question',
    'How do I configure the rate limit for one tenant so that two keys share it? I run version 2.3.1 on port 8787.',
    5_000,
  ],
  [
    '2 KB of prose',
    'The tide rises and falls twice a day because the Moon pulls on the oceans, and the Sun adds its own smaller pull. '.repeat(
      18,
    ),
    1_000,
  ],
  [
    '2 KB with numbers',
    'Our deployment has three replicas and one worker. We upgraded from 1.4.2 to 2.0.0 on 2024-05-17 and then restarted the pods on ports 8080 and 8443. '.repeat(
      14,
    ),
    1_000,
  ],
  ['a streamed chunk', ' the answer is', 20_000],
];

function fastest(run: () => void, times: number): number {
  for (let i = 0; i < times; i++) run();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    for (let i = 0; i < times; i++) run();
    best = Math.min(best, ((performance.now() - started) * 1000) / times);
  }
  return best;
}

process.stdout.write(
  '| text | chars | redactPii (µs) | worded-number rule alone (µs) |\n| --- | --- | --- | --- |\n',
);
for (const [name, text, times] of texts) {
  const whole = fastest(() => redactPii(text), times);
  const worded = fastest(() => [...text.matchAll(WORDED_NUMBER_DETECTOR.pattern)], times);
  process.stdout.write(`| ${name} | ${text.length} | ${whole.toFixed(1)} | ${worded.toFixed(1)} |\n`);
}
