// Benchmark (not a test): what a question asked again costs when the answer cache answers it.
//
//   npm run build && npx tsx bench/answer-cache.ts [--first-token-ms 300] [--token-ms 20] [--rounds 3]
//
// Claim under test (issue "The orchestrator"): "a repeated question answered from the cache with
// no model call and under 5 ms added". The built server (`node bin/parley.js serve --docs <the
// Fastify docs>`, embedded PGlite, keyword retrieval, the answer cache on) answers through the
// stub model in a child process (bench/support/stub-process.ts), paced like a real model. Each of
// the Fastify questions starts a new conversation (POST /v1/chat, JSON, one at a time): first
// asked (a miss, answered by the model), then asked again --rounds times (hits). Reported per
// kind: the client's time for the whole JSON answer, p50 / p99, and the stub's chat requests
// during the hits (0 when no hit called the model).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBench } from './support/bench-main.js';
import { loadQuestions } from './support/bench-paths.js';
import { freePort, log } from './support/child-processes.js';
import { ParleyProcess } from './support/parley-process.js';
import { percentile } from './support/percentiles.js';
import { StubProcess } from './support/stub-process.js';

const { values: args } = parseArgs({
  options: {
    'first-token-ms': { type: 'string', default: '300' },
    'token-ms': { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
  },
});
const ROUNDS = Number(args.rounds);

const cleanup: { stub?: StubProcess; parley?: ParleyProcess; tempRoot?: string } = {};

async function ask(parley: ParleyProcess, message: string): Promise<{ ms: number; mode: string }> {
  const started = performance.now();
  const response = await fetch(`${parley.baseUrl}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...parley.headers },
    body: JSON.stringify({ message }),
  });
  const body = (await response.json()) as { mode?: string };
  if (response.status !== 200)
    throw new Error(`POST /v1/chat answered ${response.status}: ${JSON.stringify(body)}`);
  return { ms: performance.now() - started, mode: body.mode ?? '?' };
}

/** The chat requests the stub model has answered. */
async function chatRequests(stub: StubProcess): Promise<number> {
  const { byClient } = await stub.stats();
  return Object.values(byClient).reduce((sum, client) => sum + client.requests, 0);
}

async function main(): Promise<void> {
  const questions = loadQuestions();
  cleanup.tempRoot = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-cache-'));
  const stub = await StubProcess.start(
    { firstTokenDelayMs: Number(args['first-token-ms']), tokenIntervalMs: Number(args['token-ms']) },
    (spawned) => {
      cleanup.stub = spawned;
    },
  );
  const parley = ParleyProcess.start({
    tempRoot: cleanup.tempRoot,
    port: await freePort(),
    stubUrl: stub.url,
    env: { PARLEY_ANSWER_CACHE_SECONDS: '3600' },
  });
  cleanup.parley = parley;
  await parley.waitReady(180_000);
  log(`Parley ready on ${parley.baseUrl}`);

  const misses: number[] = [];
  const hits: number[] = [];
  const modes = new Map<string, number>();
  for (const question of questions) {
    const first = await ask(parley, question);
    if (first.mode === 'generated') misses.push(first.ms);
    modes.set(`first ${first.mode}`, (modes.get(`first ${first.mode}`) ?? 0) + 1);
  }
  const before = await chatRequests(stub);
  for (let round = 0; round < ROUNDS; round++) {
    for (const question of questions) {
      const again = await ask(parley, question);
      modes.set(`again ${again.mode}`, (modes.get(`again ${again.mode}`) ?? 0) + 1);
      if (again.mode === 'cached') hits.push(again.ms);
    }
  }
  const after = await chatRequests(stub);
  misses.sort((a, b) => a - b);
  hits.sort((a, b) => a - b);
  const fmt = (values: number[], p: number) => percentile(values, p).toFixed(1);
  process.stdout.write(
    [
      '',
      `| answered | turns | whole JSON answer p50 / p99 (ms) |`,
      '| --- | --- | --- |',
      `| first asking, by the model (stub: first token ${args['first-token-ms']} ms, then ${args['token-ms']} ms a token) | ${misses.length} | ${fmt(misses, 50)} / ${fmt(misses, 99)} |`,
      `| asked again, from the answer cache | ${hits.length} | ${fmt(hits, 50)} / ${fmt(hits, 99)} |`,
      '',
      `modes: ${[...modes].map(([mode, count]) => `${mode} ${count}`).join(', ')}`,
      `model calls while asking again: ${after - before}`,
      '',
    ].join('\n'),
  );
}

await runBench(main, {
  async tidyUp() {
    await cleanup.parley?.stop().catch(() => {});
    await cleanup.stub?.stop().catch(() => {});
    if (cleanup.tempRoot) await rm(cleanup.tempRoot, { recursive: true, force: true });
  },
  killNow() {
    cleanup.parley?.child.kill('SIGKILL');
    cleanup.stub?.child.kill('SIGKILL');
  },
});
