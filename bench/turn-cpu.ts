// Benchmark (not a test): the CPU a turn costs Parley, and its time from the request to the model
// call, in one process with a zero-latency model, so trees can be compared to a few microseconds.
//
//   npm run build && npx tsx bench/turn-cpu.ts [--turns 2000] [--warmup 300] [--concurrency 1,50] [--mode json,sse]
//     [--db pglite|postgres] [--cpu-prof FILE] [--heap-prof FILE] [--show-queries] [--label NAME]
//
// Set-up, as the tests do (createRuntime + createApp, in this process): the embedded database (or a
// schema of its own on PostgreSQL at DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test),
// the Fastify docs (../shared/data/fastify-docs) ingested for the default tenant, keyword
// retrieval, the answer cache off (as the load benchmark runs), logs at warn. The model is a
// minimal OpenAI Chat Completions server in this process that answers at once: the same 49-word
// reply as the load benchmark's stub, all its chunks written in one go. It is the same code on
// every tree, so its CPU (counted in this process's) is the same on both sides of a comparison.
//
// Each phase sends --turns POST /v1/chat through `app.inject` (keyless, from loopback), the 102
// Fastify questions in turn, each a new conversation, JSON or SSE (`stream: true`), with
// --concurrency requests in flight (closed loop). Measured per phase:
// - CPU µs per turn: process.cpuUsage() (user + system, every thread of the process) over the
//   phase, divided by its turns; at 1 in flight also the median of each turn's own;
// - request → model call µs (1 in flight only): from just before `inject` to the stub's `request`
//   event for that turn's model call (the median, and p90).
// The module layout differs across trees (src/app after the turn runner, src/server before), so
// the bench finds its imports by what exists; copy it into the other tree's bench/ to run it there.
// It prints one JSON line per phase on stdout (for scripts alternating trees) and a table on stderr.

import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOCS_DIR = path.resolve(ROOT, '../shared/data/fastify-docs');
const QUESTIONS_FILE = path.join(ROOT, 'examples', 'eval', 'fastify-questions.jsonl');
const MODEL = 'stub-model';
const REPLY =
  'Register the plugin with fastify.register and pass its options as the second argument [1]. ' +
  'Everything it declares stays encapsulated in its own context, so decorators and hooks added inside ' +
  'are invisible to the parent unless you wrap the function with fastify-plugin [2]. Await ' +
  'fastify.ready() before using them in tests.';

const { values: args } = parseArgs({
  options: {
    turns: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '1,50' },
    mode: { type: 'string', default: 'json,sse' },
    db: { type: 'string', default: 'pglite' },
    'cpu-prof': { type: 'string' },
    'heap-prof': { type: 'string' },
    label: { type: 'string', default: path.basename(ROOT) },
    'show-queries': { type: 'boolean', default: false },
  },
});
const TURNS = Number(args.turns);
const WARMUP = Number(args.warmup);
const LEVELS = (args.concurrency ?? '1').split(',').map(Number);
const MODES = (args.mode ?? 'json').split(',') as ('json' | 'sse')[];
for (const mode of MODES)
  if (mode !== 'json' && mode !== 'sse') throw new Error(`--mode: json or sse, not ${mode}`);
if (args.db !== 'pglite' && args.db !== 'postgres')
  throw new Error(`--db: pglite or postgres, not ${args.db}`);

// ---------------------------------------------------------------------------------------------
// The model: answers every chat completion at once, and notes when each request arrived.

const words = REPLY.split(' ').map((word, i) => (i === 0 ? word : ` ${word}`));
const chunk = (delta: Record<string, unknown>, finish: string | null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1,
    model: MODEL,
    choices: [{ index: 0, delta, finish_reason: finish }],
  })}\n\n`;
const USAGE = { prompt_tokens: 2000, completion_tokens: words.length, total_tokens: 2000 + words.length };
const STREAM_BODY =
  chunk({ role: 'assistant', content: '' }, null) +
  words.map((word) => chunk({ content: word }, null)).join('') +
  chunk({}, 'stop') +
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: MODEL, choices: [], usage: USAGE })}\n\n` +
  'data: [DONE]\n\n';
const JSON_BODY = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1,
  model: MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: REPLY }, finish_reason: 'stop' }],
  usage: USAGE,
});

/** When the model requests of the current phase arrived (performance.now()), in order. */
let arrivals: number[] = [];
let unexpected = 0;
const stub = http.createServer((request, response) => {
  arrivals.push(performance.now());
  const parts: Buffer[] = [];
  request.on('data', (part: Buffer) => parts.push(part));
  request.on('end', () => {
    if (!request.url?.endsWith('/chat/completions')) {
      unexpected += 1;
      response.writeHead(404).end();
      return;
    }
    const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { stream?: boolean };
    if (body.stream) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(STREAM_BODY);
    } else {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON_BODY);
    }
  });
});
stub.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
const stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/v1`;

// ---------------------------------------------------------------------------------------------
// Parley, as the tests start it, on whichever module layout this tree has.

// The built code (`npm run build`), as `parley serve` runs it: not the sources through tsx, whose
// transform adds work of its own (a `__name` call per function made at run time).
const src = (rel: string) => path.join(ROOT, 'dist', rel);
const appModule = existsSync(src('app/index.js')) ? src('app/index.js') : src('server/index.js');
const app$ = (await import(appModule)) as {
  createRuntime: (
    c: unknown,
    l: unknown,
    o: unknown,
  ) => Promise<{ db: unknown; ingestion: unknown; close(): Promise<void> }>;
  createApp: (r: unknown) => Promise<{ app: import('fastify').FastifyInstance; close(): Promise<void> }>;
  ensureTenant: (db: unknown, name: string) => Promise<string>;
  DEFAULT_TENANT: string;
};
const { loadConfig } = (await import(src('config/index.js'))) as {
  loadConfig: (env: Record<string, string>) => unknown;
};
const { createLogger } = (await import(src('telemetry/index.js'))) as {
  createLogger: (level: string) => unknown;
};
const { ensureKnowledgeBase } = (await import(src('knowledge/index.js'))) as {
  ensureKnowledgeBase: (db: unknown, tenantId: string) => Promise<string>;
};
const { collectFiles } = (await import(src('cli/collect-files.js'))) as {
  collectFiles: (paths: string[]) => Promise<{ files: unknown[] }>;
};
const { ingestFiles } = (await import(src('cli/ingest-files.js'))) as {
  ingestFiles: (i: unknown, t: unknown, f: unknown[]) => Promise<{ documents: number; chunks: number }>;
};

// Every SQL statement sent to PostgreSQL (--db postgres), counted per phase; --show-queries lists them.
const queries = new Map<string, number>();
let queryCount = 0;
{
  const { default: pg } = await import('pg');
  const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: unknown, ...a: unknown[]) {
    queryCount += 1;
    const first = a[0] as string | { text?: string; name?: string };
    const text = (typeof first === 'string' ? first : (first?.text ?? first?.name ?? '?')).replace(
      /\s+/g,
      ' ',
    );
    queries.set(text, (queries.get(text) ?? 0) + 1);
    return query.apply(this, a);
  } as typeof pg.Client.prototype.query;
}

const tempRoot = await mkdtemp(path.join(os.tmpdir(), 'parley-turn-cpu-'));
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = args.db === 'postgres' ? `bench_${randomBytes(5).toString('hex')}` : undefined;
const env: Record<string, string> = {
  PARLEY_DATA_DIR: path.join(tempRoot, 'data'),
  PARLEY_LOG_LEVEL: 'warn',
  PARLEY_MODELS: `openai:${MODEL}`,
  OPENAI_BASE_URL: stubUrl,
  OPENAI_API_KEY: 'bench',
  PARLEY_ANSWER_CACHE_SECONDS: '0',
  // One client address asks every question: no per-address or per-key limit (0 is none).
  PARLEY_RATE_REQUESTS_PER_MINUTE_IP: '0',
  PARLEY_RATE_REQUESTS_PER_MINUTE_KEY: '0',
  ...(schema ? { DATABASE_URL: databaseUrl } : {}),
  // Settings given to the bench apply last (PARLEY_ACK_WAIT_MS=0, PARLEY_TELEMETRY=off, ...).
  ...Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('PARLEY_')),
  ),
};
const config = loadConfig(env);
const log = createLogger('warn');
const runtime = await app$.createRuntime(config, log, { runJobs: true, keywordIndex: 'memory', schema });
const tenantId = await app$.ensureTenant(runtime.db, app$.DEFAULT_TENANT);
const kbId = await ensureKnowledgeBase(runtime.db, tenantId);
const { files } = await collectFiles([DOCS_DIR]);
const ingested = await ingestFiles(runtime.ingestion, { tenantId, kbId }, files);
const parley = await app$.createApp(runtime);
const app = parley.app;
process.stderr.write(
  `turn-cpu: ${args.label}, ${ingested.documents} documents (${ingested.chunks} chunks), db ${args.db}\n`,
);

const questions = readFileSync(QUESTIONS_FILE, 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => (JSON.parse(line) as { question: string }).question);

// ---------------------------------------------------------------------------------------------
// Phases

let asked = 0;
async function turn(mode: 'json' | 'sse'): Promise<void> {
  const message = questions[asked++ % questions.length]!;
  const response = await app.inject({
    method: 'POST',
    url: '/v1/chat',
    payload: mode === 'sse' ? { message, stream: true } : { message },
  });
  if (response.statusCode !== 200)
    throw new Error(`POST /v1/chat answered ${response.statusCode}: ${response.body}`);
  if (mode === 'sse' && !response.body.includes('event: done'))
    throw new Error(`no done event: ${response.body}`);
}

/** CPU µs per thread name so far (Linux: /proc/self/task; clock ticks of 10 ms). */
function threadCpu(): Map<string, number> {
  const byName = new Map<string, number>();
  if (!existsSync('/proc/self/task')) return byName;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name =
        tid === String(process.pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const micros = (Number(fields[11]) + Number(fields[12])) * 10_000;
      byName.set(name, (byName.get(name) ?? 0) + micros);
    } catch {
      // the thread ended
    }
  }
  return byName;
}

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

interface PhaseResult {
  label: string;
  db: string;
  mode: string;
  concurrency: number;
  turns: number;
  cpuUsPerTurn: number;
  cpuUsMedian?: number;
  toModelUsP50?: number;
  toModelUsP90?: number;
  wallMs: number;
  modelCalls: number;
  queriesPerTurn: number;
  /** CPU µs per turn by thread name (main: the JavaScript thread), where above 10. */
  threads: Record<string, number>;
}

async function phase(mode: 'json' | 'sse', concurrency: number, turns: number): Promise<PhaseResult> {
  arrivals = [];
  queries.clear();
  const startQueries = queryCount;
  const perTurnCpu: number[] = [];
  const toModel: number[] = [];
  const startThreads = threadCpu();
  const startCpu = cpuMicros();
  const startWall = performance.now();
  if (concurrency === 1) {
    for (let i = 0; i < turns; i++) {
      const calls = arrivals.length;
      const cpu = cpuMicros();
      const sent = performance.now();
      await turn(mode);
      perTurnCpu.push(cpuMicros() - cpu);
      if (arrivals.length === calls + 1) toModel.push((arrivals[calls]! - sent) * 1000);
    }
  } else {
    let left = turns;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left > 0) {
          left -= 1;
          await turn(mode);
        }
      }),
    );
  }
  const cpu = cpuMicros() - startCpu;
  const threads: Record<string, number> = {};
  for (const [name, micros] of threadCpu()) {
    const perTurn = Math.round((micros - (startThreads.get(name) ?? 0)) / turns);
    if (perTurn > 10) threads[name] = perTurn;
  }
  return {
    label: args.label ?? '',
    db: args.db ?? '',
    mode,
    concurrency,
    turns,
    cpuUsPerTurn: Math.round(cpu / turns),
    ...(concurrency === 1
      ? {
          cpuUsMedian: Math.round(quantile(perTurnCpu, 0.5)),
          toModelUsP50: Math.round(quantile(toModel, 0.5)),
          toModelUsP90: Math.round(quantile(toModel, 0.9)),
        }
      : {}),
    wallMs: Math.round(performance.now() - startWall),
    modelCalls: arrivals.length,
    queriesPerTurn: Math.round(((queryCount - startQueries) / turns) * 100) / 100,
    threads,
  };
}

try {
  // Warm-up: the JIT, the keyword index's copy of the tenant, the connection pools.
  for (const mode of MODES) await phase(mode, Math.max(...LEVELS), WARMUP);
  for (const mode of MODES) await phase(mode, 1, Math.min(WARMUP, 100));
  let session: Session | undefined;
  if (args['cpu-prof']) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  if (args['heap-prof']) {
    if (!session) {
      session = new Session();
      session.connect();
    }
    // Every allocation sampled, the collected ones too: what the collector has to clear.
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as never);
  }
  const results: PhaseResult[] = [];
  for (const concurrency of LEVELS) {
    for (const mode of MODES) {
      const result = await phase(mode, concurrency, TURNS);
      results.push(result);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      if (args['show-queries']) {
        for (const [text, count] of [...queries].sort((a, b) => b[1] - a[1])) {
          process.stderr.write(`  ${(count / TURNS).toFixed(2)}  ${text.slice(0, 160)}\n`);
        }
      }
    }
  }
  if (session && args['cpu-prof']) {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(args['cpu-prof'], JSON.stringify(profile));
  }
  if (session && args['heap-prof']) {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    await writeFile(args['heap-prof'], JSON.stringify(profile));
  }
  session?.disconnect();
  if (unexpected > 0)
    process.stderr.write(`turn-cpu: ${unexpected} model requests not to /chat/completions\n`);
  process.stderr.write(
    '| mode | in flight | CPU µs / turn | median | request → model call p50 / p90 µs | model calls |\n',
  );
  for (const r of results) {
    process.stderr.write(
      `| ${r.mode} | ${r.concurrency} | ${r.cpuUsPerTurn} | ${r.cpuUsMedian ?? '—'} | ${
        r.toModelUsP50 === undefined ? '—' : `${r.toModelUsP50} / ${r.toModelUsP90}`
      } | ${r.modelCalls} |\n`,
    );
  }
} finally {
  await parley.close();
  await runtime.close();
  stub.closeAllConnections();
  stub.close();
  if (schema) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
  await rm(tempRoot, { recursive: true, force: true });
}
