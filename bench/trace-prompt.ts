// Benchmark (not a test): what cutting a prompt's passages out for its trace costs the HTTP
// thread (trace-prompt.ts `compactPrompt`), on prompts like the load benchmark's: eight passages
// of about 1,200 characters of the Fastify docs, escaped and numbered by the grounded prompt.
//
//   npx tsx bench/trace-prompt.ts [--prompts 200] [--rounds 5]
//
// Round 1 meets every passage for the first time (escaped and hashed, then remembered); later
// rounds see the same passages again, as turns over one knowledge base do. Prints µs per prompt.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { groundedUserMessage, SYSTEM_PROMPT } from '../src/orchestrator/grounded-prompt.js';
import { compactPrompt } from '../src/orchestrator/trace-prompt.js';

const { values } = parseArgs({
  options: { prompts: { type: 'string', default: '200' }, rounds: { type: 'string', default: '5' } },
});
const dir = path.resolve(import.meta.dirname, '../../shared/data/fastify-docs');
const docs = readdirSync(dir)
  .filter((name) => name.endsWith('.md'))
  .map((name) => readFileSync(path.join(dir, name), 'utf8'));
const passagesOf = (i: number) =>
  Array.from({ length: 8 }, (_, n) => ({
    chunkId: i * 8 + n,
    documentId: `doc-${(i + n) % docs.length}`,
    title: 'Reference',
    headingPath: 'Plugins',
    text: docs[(i * 3 + n) % docs.length]!.slice(500, 1_700),
    score: 1,
    tokenCount: 300,
    source: null,
    signals: {},
  }));
const sets = Array.from({ length: Number(values.prompts) }, (_, i) => passagesOf(i));
const prompts = sets.map((passages) => ({
  system: SYSTEM_PROMPT,
  messages: [
    { role: 'user' as const, content: groundedUserMessage('How do I register a plugin?', passages) },
  ],
}));
for (let round = 1; round <= Number(values.rounds); round++) {
  const started = performance.now();
  let cut = 0;
  for (const [i, prompt] of prompts.entries()) cut += compactPrompt(prompt, sets[i]!).passages?.length ?? 0;
  const us = ((performance.now() - started) * 1000) / prompts.length;
  console.log(
    JSON.stringify({ round, usPerPrompt: +us.toFixed(1), passagesCut: +(cut / prompts.length).toFixed(2) }),
  );
}
