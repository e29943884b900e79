// Per-message cost of the input guard, robust to a busy machine: every message is run in 9
// interleaved passes and keeps its fastest time (the work, without the time other processes took
// the core), then p50/p99 are taken over messages. `parley eval guard` pools every pass instead,
// so on a shared machine its p99 measures the load as much as the guard.
// Usage: npx tsx bench/guard-latency.ts FILE (JSON lines {text, label} or CSV prompt,type)
import { readFileSync } from 'node:fs';
import { formatOf, parseLabelledTexts, percentile } from '../src/eval/index.js';
import { inspectInput } from '../src/guard/index.js';

const file = process.argv[2];
if (!file) throw new Error('usage: npx tsx bench/guard-latency.ts FILE');
const texts = parseLabelledTexts(readFileSync(file, 'utf8'), formatOf(file)).map((item) => item.text);
const PASSES = 9;
const fastest = texts.map(() => Number.POSITIVE_INFINITY);
for (const text of texts) inspectInput(text);
for (let pass = 0; pass < PASSES; pass++) {
  texts.forEach((text, i) => {
    const started = performance.now();
    inspectInput(text);
    fastest[i] = Math.min(fastest[i]!, performance.now() - started);
  });
}
fastest.sort((a, b) => a - b);
const ms = (value: number) => value.toFixed(3);
process.stdout.write(
  `${file}: ${texts.length} messages, fastest of ${PASSES} passes each: ` +
    `p50_ms=${ms(percentile(fastest, 0.5))} p99_ms=${ms(percentile(fastest, 0.99))} max_ms=${ms(fastest.at(-1) ?? 0)}\n`,
);
