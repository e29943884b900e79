// Benchmark (not a test): the time of a whole search with the rerank stage, in process, over a
// database kept by `parley eval citations --keep`: each question of the set searched twice over,
// the retrieval cache off (the first pass finds chunks the reranker has not read, the second finds
// them read). PARLEY_RERANK picks the reranker (unset: the fused order, for the pair).
//
//   npx tsx bench/rerank-latency.ts --data /tmp/parley-eval-XXXX --questions Q
//   PARLEY_RERANK=local npx tsx bench/rerank-latency.ts --data /tmp/parley-eval-XXXX --questions Q
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createRuntime, ensureTenant } from '../src/app/index.js';
import { commandContext } from '../src/cli/command-context.js';
import { parseCitationQuestions } from '../src/eval/index.js';

const { values: args } = parseArgs({
  options: { data: { type: 'string' }, questions: { type: 'string' } },
});
if (!args.data || !args.questions) throw new Error('--data and --questions are required');
const { config, log } = commandContext({
  PARLEY_DATA_DIR: args.data,
  DATABASE_URL: '',
  PARLEY_RETRIEVAL_CACHE_SECONDS: '0',
});
const runtime = await createRuntime(config, log, { keywordIndex: 'memory' });
try {
  const tenantId = await ensureTenant(runtime.db, 'eval');
  await runtime.keywordIndex.warm(tenantId);
  const questions = parseCitationQuestions(await readFile(args.questions, 'utf8'), args.questions);
  for (const pass of ['first pass', 'second pass']) {
    const times: number[] = [];
    for (const { question } of questions) {
      const started = performance.now();
      await runtime.retriever.search(question, { tenantId, topK: 8 });
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
    console.log(`${runtime.retriever.name}, ${pass}: p50 ${at(0.5)} ms, p90 ${at(0.9)} ms`);
  }
} finally {
  await runtime.close();
}
