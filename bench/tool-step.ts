// Benchmark (not a test): the time Parley adds per tool step, the tool's own time excluded.
//
//   npx tsx bench/tool-step.ts [--turns 200] [--steps 2]
//
// Claim under test (issue "Tools"): "time Parley adds per tool step, excluding the tool's own
// time, p50 under 2 ms". A Parley runtime on the embedded database (the Fastify docs ingested,
// keyword retrieval) answers through the stub model (in this process, no pauses), which asks for
// the built-in knowledge_search `--steps` times per turn and then answers. Each turn starts a new
// conversation (POST /v1/chat, JSON, one at a time). Per step, the turn's trace records
// `parley_ms`: from the end of the model's answer that asked for the tool to the step's event,
// less the tool's own time (here the search) — argument parsing and validation, the breaker and
// concurrency limit, the result guard, the trace record. Reported: its p50 / p99, and for
// context the whole turn's time with and without tools.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp, createRuntime, DEFAULT_TENANT, ensureTenant } from '../src/app/index.js';
import { collectFiles } from '../src/cli/collect-files.js';
import { ingestFiles } from '../src/cli/ingest-files.js';
import { loadConfig } from '../src/config/index.js';
import { ensureKnowledgeBase } from '../src/knowledge/index.js';
import { createLogger } from '../src/telemetry/index.js';
import { type StubPrompt, startStubProvider } from '../test/support/stub-provider/index.js';
import { FASTIFY_DOCS_DIR, loadQuestions } from './support/bench-paths.js';
import { log } from './support/child-processes.js';
import { percentile } from './support/percentiles.js';

const { values: args } = parseArgs({
  options: { turns: { type: 'string', default: '200' }, steps: { type: 'string', default: '2' } },
});
const TURNS = Number(args.turns);
const STEPS = Number(args.steps);

/** Searches `STEPS` times (its own query each time), then answers citing the first passage. */
function searchingModel(prompt: StubPrompt) {
  const results = prompt.messages.length - 1;
  if (prompt.tools.includes('knowledge_search') && results < STEPS * 2) {
    const query = `${prompt.lastUserText.slice(0, 80)} step ${results}`;
    return { toolCalls: [{ name: 'knowledge_search', arguments: JSON.stringify({ query }) }] };
  }
  return 'Register the plugin with fastify.register [1].';
}

interface Trace {
  tools: { steps: { parley_ms: number; calls: { outcome: string; tool_ms: number }[] }[] } | null;
  timings_ms: { total: number };
}

async function main(): Promise<void> {
  const questions = loadQuestions();
  const root = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-tools-'));
  const stub = await startStubProvider();
  stub.setReply(searchingModel);
  const config = loadConfig({
    PARLEY_DATA_DIR: path.join(root, 'data'),
    PARLEY_LOG_LEVEL: 'silent',
    PARLEY_ANSWER_CACHE_SECONDS: '0',
    // Every request is the bench's own (the trace reads count too).
    PARLEY_RATE_REQUESTS_PER_MINUTE_IP: '0',
    PARLEY_RATE_REQUESTS_PER_MINUTE_KEY: '0',
    PARLEY_MODELS: 'openai:stub-model',
    OPENAI_BASE_URL: stub.url,
    OPENAI_API_KEY: 'bench',
  });
  const runtime = await createRuntime(config, createLogger('silent'), { runJobs: true });
  const app = await createApp(runtime);
  try {
    const { files } = await collectFiles([FASTIFY_DOCS_DIR]);
    const tenantId = await ensureTenant(runtime.db, DEFAULT_TENANT);
    const kbId = await ensureKnowledgeBase(runtime.db, tenantId);
    const ingested = await ingestFiles(runtime.ingestion, { tenantId, kbId }, files);
    log(`Fastify docs ingested: ${ingested.documents} documents, ${ingested.chunks} chunks`);
    const ask = async (message: string) => {
      const response = await app.app.inject({ method: 'POST', url: '/v1/chat', payload: { message } });
      if (response.statusCode !== 200) throw new Error(`/v1/chat ${response.statusCode}: ${response.body}`);
      const turnId = (response.json() as { turn_id: string }).turn_id;
      for (;;) {
        const trace = await app.app.inject({ method: 'GET', url: `/v1/turns/${turnId}/trace` });
        if (trace.statusCode === 200) return trace.json() as Trace;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const setTools = (tools: unknown) =>
      app.app.inject({ method: 'PATCH', url: '/v1/bots/parley', payload: { settings: { tools } } });

    const plain: number[] = [];
    const withTools: number[] = [];
    const stepMs: number[] = [];
    const toolMs: number[] = [];
    const pick = (index: number) => questions[index % questions.length]!;
    // Warm-up: JIT, caches, the first searches.
    await setTools({ allow: ['knowledge_search'], max_steps: STEPS + 1 });
    for (let index = 0; index < 20; index++) await ask(pick(index));
    for (let round = 0; round < TURNS; round++) {
      await setTools(null);
      plain.push((await ask(pick(round))).timings_ms.total);
      await setTools({ allow: ['knowledge_search'], max_steps: STEPS + 1 });
      const trace = await ask(pick(round));
      withTools.push(trace.timings_ms.total);
      for (const step of trace.tools?.steps ?? []) {
        if (step.calls.some((call) => call.outcome !== 'ok')) throw new Error('a tool call failed');
        stepMs.push(step.parley_ms);
        toolMs.push(Math.max(...step.calls.map((call) => call.tool_ms)));
      }
    }
    const row = (name: string, values: number[]) => {
      values.sort((a, b) => a - b);
      return `${name.padEnd(44)} p50 ${percentile(values, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(values, 99).toFixed(2).padStart(7)} ms   (n=${values.length})`;
    };
    console.log(`\n${TURNS} turns with ${STEPS} tool steps each, and as many without tools`);
    console.log(row("Parley's time per tool step (tool excluded)", stepMs));
    console.log(row("the tool's own time (knowledge_search)", toolMs));
    console.log(row('whole turn, no tools', plain));
    console.log(row(`whole turn, ${STEPS} tool steps`, withTools));
  } finally {
    await app.close();
    await runtime.close();
    await stub.close();
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
