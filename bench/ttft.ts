// Benchmark (not a test): time to first token added by Parley, against calling the model directly.
//
//   npm run build && npx tsx bench/ttft.ts [--n 102] [--concurrency 8] [--concurrent-n 408]
//     [--arrivals both|staggered|synchronized] [--auth key|loopback] [--warmup 20]
//     [--first-token-ms 300] [--token-ms 20] [--no-write] [--out ttft.md]
//
// Claim under test: "time to first token added by Parley (Parley vs. calling the stub directly),
// with retrieval over the Fastify docs: p50 under 10 ms".
//
// Set-up. A stub model server speaking OpenAI's Chat Completions wire format
// (test/support/stub-provider) answers every chat request with the same 49-word reply, paced:
// --first-token-ms before the first token, --token-ms between tokens. It runs in a CHILD PROCESS
// (bench/support/stub-provider-process.ts): in this process its pacing timers would share the
// event loop with the load generator, which parses up to 8 SSE streams at once, so a timer could
// fire late and the delay would be charged to whichever side happened to be measured; with its
// own process (and event loop) the stub paces both sides alike. The built Parley server is
// another child process (`node bin/parley.js serve --docs <fastify docs>`, keyword retrieval,
// embedded PGlite), configured with `PARLEY_MODELS=openai:stub-model` and the stub's URL. With
// --auth key (the default) the bench creates an API key (`parley keys create`) and sends it, as
// a deployment would; --auth loopback uses the keyless loopback mode instead.
//
// Measured, first with 1 request in flight, then with --concurrency in flight, each side in a
// phase of its own (direct, then Parley, with the same questions in the same order):
// - direct: POST <stub>/chat/completions (stream: true) with the question; request start to the
//   first chunk with non-empty `delta.content`.
// - Parley: POST /v1/chat (stream: true) with the question; request start to the first
//   `event: token`, and to `event: meta` (sent once retrieval is done, before the model call).
// The load is closed-loop (each lane sends its next request when the previous reply ends). Every
// reply takes about the same time, so lanes that start together stay in lockstep and their
// requests arrive in bursts of --concurrency at once: "synchronized", the worst case for queueing.
// "staggered" starts lane i at i/concurrency of a reply's duration, so arrivals are spread out,
// as independent users' would be. --arrivals both (the default) runs both.
// Every stream is read to its end (both sides pay for the whole reply).
//
// Requests cannot be paired across the two sides, so "added by Parley" is the difference of the
// two sides' percentiles. Within Parley, each turn's trace (GET /v1/turns/{id}/trace) is paired
// with its client timings, which splits the client's time to first token per request into:
// - outside the turn: client TTFT − `timings_ms.first_token` (HTTP both ways, Fastify routing,
//   auth, body validation, SSE framing, the client's parsing);
// - `timings_ms.retrieval`: retrieval and the new conversation's row, in parallel;
// - between retrieval and the model call: `first_token` − `retrieval` − the model call (SSE
//   headers and `meta`, the grounded prompt, the model chain);
// - the model call: the answering attempt's `ms` in `attempts` (the AI SDK stream's start to its
//   first text delta, as the model chain sees it; it holds the stub's --first-token-ms).
// `timings_ms.first_token` runs from the start of the turn (before retrieval) to the first token.
// Only turns the model answered count in the Parley figures: a question with nothing relevant
// enough retrieved is answered `not_found` without a model call, and has no model latency to add to.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { runBench } from './support/bench-main.js';
import { commitLine, loadQuestions, REPO_ROOT, RESULTS_DIR } from './support/bench-paths.js';
import { freePort, log, sleep } from './support/child-processes.js';
import { ParleyProcess, type ParleyTarget } from './support/parley-process.js';
import { fmt, fmtTriple, minus, percentile, type Triple, triple } from './support/percentiles.js';
import { hostCpu, processCpuMs } from './support/proc-stats.js';
import { readSse } from './support/sse-parser.js';
import {
  STUB_MODEL as MODEL,
  STUB_REPLY_TOKENS as REPLY_TOKENS,
  StubProcess,
} from './support/stub-process.js';
import { CLIENT_HEADER, type StubStats } from './support/stub-protocol.js';

const TARGET_P50_MS = 10;
// The server's retrieval cache, from the environment as for any Parley process (default 60 s).
// The question set repeats across phases, so PARLEY_RETRIEVAL_CACHE_SECONDS=0 measures every
// turn with a real search; the default measures what repeated questions cost.
const RETRIEVAL_CACHE = process.env.PARLEY_RETRIEVAL_CACHE_SECONDS ?? '60';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '102' },
    concurrency: { type: 'string', default: '8' },
    'concurrent-n': { type: 'string', default: '408' },
    arrivals: { type: 'string', default: 'both' },
    auth: { type: 'string', default: 'key' },
    warmup: { type: 'string', default: '20' },
    'first-token-ms': { type: 'string', default: '300' },
    'token-ms': { type: 'string', default: '20' },
    'no-write': { type: 'boolean', default: false },
    out: { type: 'string', default: 'ttft.md' },
  },
});
const RESULTS_FILE = path.join(RESULTS_DIR, path.basename(args.out ?? 'ttft.md'));
const N_SEQUENTIAL = Number(args.n);
const CONCURRENCY = Number(args.concurrency);
const N_CONCURRENT = Number(args['concurrent-n']);
const WARMUP = Number(args.warmup);
const FIRST_TOKEN_MS = Number(args['first-token-ms']);
const TOKEN_MS = Number(args['token-ms']);
const ARRIVALS = args.arrivals ?? 'both';
const AUTH = args.auth ?? 'key';
if (!['both', 'staggered', 'synchronized'].includes(ARRIVALS)) {
  throw new Error(`--arrivals must be both, staggered or synchronized, not ${ARRIVALS}`);
}
if (!['key', 'loopback'].includes(AUTH)) throw new Error(`--auth must be key or loopback, not ${AUTH}`);
for (const [name, value] of Object.entries({
  n: N_SEQUENTIAL,
  concurrency: CONCURRENCY,
  'concurrent-n': N_CONCURRENT,
  warmup: WARMUP,
  'first-token-ms': FIRST_TOKEN_MS,
  'token-ms': TOKEN_MS,
})) {
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be a whole number, not ${value}`);
}

/** How long the stub takes over a whole reply. */
const REPLY_MS = FIRST_TOKEN_MS + TOKEN_MS * (REPLY_TOKENS - 1);

// ---------------------------------------------------------------------------------------------
// Small helpers

/** Runs `worker` over `items` with at most `limit` in flight; lane i starts after i × `laneDelayMs`. */
async function eachLimit<T>(
  items: T[],
  limit: number,
  worker: (item: T) => Promise<void>,
  laneDelayMs = 0,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async (_, lane) => {
    if (lane > 0 && laneDelayMs > 0) await sleep(lane * laneDelayMs);
    while (next < items.length) {
      const item = items[next++]!;
      await worker(item);
    }
  });
  await Promise.all(lanes);
}

/** Where the machine's CPU time went during a phase, in % of one CPU. */
interface CpuShare {
  cpus: number;
  busy: number;
  parley: number;
  stub: number;
  bench: number;
  others: number;
}

/** Starts counting CPU time; the returned function ends the count. */
function cpuMeter(pids: { parley?: number; stub?: number }): () => CpuShare {
  const host0 = hostCpu();
  const parley0 = processCpuMs(pids.parley);
  const stub0 = processCpuMs(pids.stub);
  const bench0 = process.cpuUsage();
  const started = performance.now();
  return () => {
    const wallMs = performance.now() - started;
    const host1 = hostCpu();
    const bench = process.cpuUsage(bench0);
    const pct = (ms: number) => (100 * ms) / wallMs;
    const share = {
      cpus: os.cpus().length,
      busy: host0 && host1 ? pct(host1.busyMs - host0.busyMs) : Number.NaN,
      parley: pct(processCpuMs(pids.parley) - parley0),
      stub: pct(processCpuMs(pids.stub) - stub0),
      bench: pct((bench.user + bench.system) / 1000),
    };
    return { ...share, others: Math.max(0, share.busy - share.parley - share.stub - share.bench) };
  };
}

// ---------------------------------------------------------------------------------------------
// The two sides

interface DirectSample {
  ttftMs: number;
  totalMs: number;
  tokens: number;
}

async function directTurn(stubUrl: string, question: string): Promise<DirectSample> {
  const started = performance.now();
  const response = await fetch(`${stubUrl}/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer test',
      [CLIENT_HEADER]: 'direct',
    },
    body: JSON.stringify({
      model: MODEL,
      stream: true,
      messages: [
        { role: 'system', content: 'You answer questions about Fastify.' },
        { role: 'user', content: question },
      ],
    }),
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`stub HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
  }
  let firstTokenAt: number | undefined;
  let tokens = 0;
  let finished = false;
  for await (const event of readSse(response.body)) {
    if (event.data === '[DONE]') {
      finished = true;
      continue;
    }
    const chunk = JSON.parse(event.data) as { choices?: { delta?: { content?: string | null } }[] };
    if (chunk.choices?.[0]?.delta?.content) {
      tokens += 1;
      firstTokenAt ??= event.at;
    }
  }
  if (!finished || firstTokenAt === undefined) throw new Error('stub stream ended without [DONE] or tokens');
  return { ttftMs: firstTokenAt - started, totalMs: performance.now() - started, tokens };
}

interface ParleySample {
  turnId: string;
  ttftMs: number;
  metaMs: number;
  totalMs: number;
  tokens: number;
  mode: string;
}

async function parleyTurn(parley: ParleyTarget, question: string): Promise<ParleySample> {
  const started = performance.now();
  const response = await fetch(`${parley.baseUrl}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...parley.headers },
    body: JSON.stringify({ message: question, stream: true }),
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`Parley HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
  }
  let metaAt: number | undefined;
  let turnId: string | undefined;
  let firstTokenAt: number | undefined;
  let tokens = 0;
  let mode: string | undefined;
  for await (const event of readSse(response.body)) {
    if (event.event === 'meta') {
      metaAt = event.at;
      turnId = (JSON.parse(event.data) as { turn_id: string }).turn_id;
    } else if (event.event === 'token') {
      tokens += 1;
      firstTokenAt ??= event.at;
    } else if (event.event === 'done') {
      mode = (JSON.parse(event.data) as { mode: string }).mode;
    } else if (event.event === 'error') {
      throw new Error(`Parley error event: ${event.data.slice(0, 200)}`);
    }
  }
  if (metaAt === undefined || turnId === undefined || firstTokenAt === undefined || mode === undefined) {
    throw new Error('Parley stream ended without meta, a token or done');
  }
  return {
    turnId,
    ttftMs: firstTokenAt - started,
    metaMs: metaAt - started,
    totalMs: performance.now() - started,
    tokens,
    mode,
  };
}

interface TraceSummary {
  retrievalMs: number;
  firstTokenMs: number;
  modelCallMs: number;
  mode: string;
}

/** A turn's trace; it is written after the response by the write-behind queue, so 404 is retried. */
async function fetchTrace(parley: ParleyTarget, turnId: string): Promise<TraceSummary> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await fetch(`${parley.baseUrl}/v1/turns/${turnId}/trace`, {
      headers: parley.headers,
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status === 200) {
      const trace = (await response.json()) as {
        mode: string;
        timings_ms: { retrieval?: number; first_token?: number };
        attempts: { outcome: string; ms: number }[];
      };
      return {
        retrievalMs: trace.timings_ms.retrieval ?? Number.NaN,
        firstTokenMs: trace.timings_ms.first_token ?? Number.NaN,
        modelCallMs: trace.attempts.find((attempt) => attempt.outcome === 'answered')?.ms ?? Number.NaN,
        mode: trace.mode,
      };
    }
    await response.body?.cancel();
    if (response.status !== 404 || Date.now() > deadline) {
      throw new Error(`trace of turn ${turnId}: HTTP ${response.status}`);
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// Phases

interface SideRun<S> {
  samples: S[];
  errors: Map<string, number>;
  wallMs: number;
  cpu: CpuShare;
  stub: StubStats;
}

async function runSide<S>(
  stub: StubProcess,
  parley: ParleyProcess,
  questions: string[],
  concurrency: number,
  turn: (question: string) => Promise<S>,
  laneDelayMs = 0,
): Promise<SideRun<S>> {
  await stub.reset();
  const samples: S[] = [];
  const errors = new Map<string, number>();
  const meter = cpuMeter({ parley: parley.child.pid, stub: stub.child.pid });
  const started = performance.now();
  await eachLimit(
    questions,
    concurrency,
    async (question) => {
      try {
        samples.push(await turn(question));
      } catch (error) {
        const key = (error as Error).name === 'TimeoutError' ? 'timeout' : (error as Error).message;
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    },
    laneDelayMs,
  );
  const wallMs = performance.now() - started;
  const cpu = meter();
  return { samples, errors, wallMs, cpu, stub: await stub.stats() };
}

type Arrivals = 'sequential' | 'staggered' | 'synchronized';

interface Level {
  concurrency: number;
  arrivals: Arrivals;
  label: string;
  direct: SideRun<DirectSample>;
  parley: SideRun<ParleySample>;
  traces: Map<string, TraceSummary>;
  traceErrors: number;
  clientLoopP99Ms: number;
}

async function runLevel(
  stub: StubProcess,
  parley: ParleyProcess,
  questions: string[],
  n: number,
  concurrency: number,
  arrivals: Arrivals,
): Promise<Level> {
  const label = arrivals === 'sequential' ? '1 in flight' : `${concurrency} in flight, ${arrivals}`;
  const laneDelayMs = arrivals === 'staggered' ? REPLY_MS / concurrency : 0;
  const picked = Array.from({ length: n }, (_, i) => questions[i % questions.length]!);
  const clientLoop = monitorEventLoopDelay({ resolution: 10 });
  clientLoop.enable();
  log(`${label}: ${n} direct requests`);
  const direct = await runSide(
    stub,
    parley,
    picked,
    concurrency,
    (q) => directTurn(stub.url, q),
    laneDelayMs,
  );
  await sleep(1000);
  log(`${label}: ${n} Parley requests`);
  const parleyRun = await runSide(
    stub,
    parley,
    picked,
    concurrency,
    (q) => parleyTurn(parley, q),
    laneDelayMs,
  );
  clientLoop.disable();
  if (parley.exited) throw new Error(`Parley exited during the run (${JSON.stringify(parley.exited)})`);
  // Traces are read after the phase, so that reading them does not load the server meanwhile.
  const traces = new Map<string, TraceSummary>();
  let traceErrors = 0;
  await eachLimit(parleyRun.samples, 4, async (sample) => {
    try {
      traces.set(sample.turnId, await fetchTrace(parley, sample.turnId));
    } catch (error) {
      traceErrors += 1;
      if (traceErrors <= 3) log((error as Error).message);
    }
  });
  await sleep(1000);
  return {
    concurrency,
    arrivals,
    label,
    direct,
    parley: parleyRun,
    traces,
    traceErrors,
    clientLoopP99Ms: clientLoop.percentile(99) / 1e6,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

function describeErrors(errors: Map<string, number>): string {
  return [...errors].map(([key, count]) => `${count}× ${key}`).join('; ');
}

function levelFigures(level: Level) {
  const direct = level.direct.samples;
  // Only turns the model answered: one that Parley answers without a model call (`not_found`,
  // nothing relevant enough retrieved) has no model latency to add to.
  const parley = level.parley.samples.filter((sample) => sample.mode === 'generated');
  const paired = parley.flatMap((sample) => {
    const trace = level.traces.get(sample.turnId);
    return trace ? [{ sample, trace }] : [];
  });
  const directTtft = triple(direct.map((s) => s.ttftMs));
  const parleyTtft = triple(parley.map((s) => s.ttftMs));
  const modelCall = triple(paired.map((p) => p.trace.modelCallMs));
  return {
    directTtft,
    parleyTtft,
    added: minus(parleyTtft, directTtft),
    meta: triple(parley.map((s) => s.metaMs)),
    metaToToken: triple(parley.map((s) => s.ttftMs - s.metaMs)),
    retrieval: triple(paired.map((p) => p.trace.retrievalMs)),
    firstToken: triple(paired.map((p) => p.trace.firstTokenMs)),
    modelCall,
    modelCallVsDirect: minus(modelCall, directTtft),
    ownWork: triple(paired.map((p) => p.sample.ttftMs - p.trace.modelCallMs)),
    outsideTurn: triple(paired.map((p) => p.sample.ttftMs - p.trace.firstTokenMs)),
    beforeModelCall: triple(
      paired.map((p) => p.trace.firstTokenMs - p.trace.retrievalMs - p.trace.modelCallMs),
    ),
    directTotal: triple(direct.map((s) => s.totalMs)),
    parleyTotal: triple(parley.map((s) => s.totalMs)),
  };
}

function report(levels: Level[], context: { ready: unknown; bootMs: number; parley: ParleyProcess }): string {
  const figures = levels.map(levelFigures);
  const line = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  const header = line(['Measure (ms)', ...levels.map((l) => `${l.label}: p50 / p90 / p99`), 'Notes']);
  const separator = line(['---', ...levels.map(() => '---'), '---']);
  const row = (name: string, pick: (f: ReturnType<typeof levelFigures>) => Triple, notes: string) =>
    line([name, ...figures.map((f) => fmtTriple(pick(f))), notes]);
  const textRow = (name: string, cell: (level: Level) => string, notes: string) =>
    line([name, ...levels.map(cell), notes]);
  const medianChars = (stats: StubStats, client: string) => {
    const chars = stats.byClient[client]?.promptChars ?? [];
    return percentile(
      [...chars].sort((a, b) => a - b),
      50,
    );
  };
  const cpuCell = (c: CpuShare) =>
    `${c.busy.toFixed(0)}%: Parley ${c.parley.toFixed(0)}, stub ${c.stub.toFixed(0)}, bench ${c.bench.toFixed(0)}, others ${c.others.toFixed(0)}`;
  const cpuNote = `% of one CPU, out of ${os.cpus().length * 100}% (/proc): busy in all, then by process; "others" is whatever else ran on the machine`;
  const modes = (level: Level) => {
    const counts = new Map<string, number>();
    for (const sample of level.parley.samples) counts.set(sample.mode, (counts.get(sample.mode) ?? 0) + 1);
    return [...counts].map(([mode, count]) => `${count} ${mode}`).join(', ');
  };

  const rows = [
    row('Direct: stub time to first token', (f) => f.directTtft, 'request start → first chunk with content'),
    row('Parley: time to first `event: token`', (f) => f.parleyTtft, 'request start → first token event'),
    row(
      '**Added by Parley** (Parley − direct)',
      (f) => f.added,
      `difference of the two rows above, percentile by percentile (requests cannot be paired); claim: p50 < ${TARGET_P50_MS} ms`,
    ),
    row(
      'Parley: time to `event: meta`',
      (f) => f.meta,
      'client side; sent once retrieval is done, before the model is called',
    ),
    row(
      'Trace `timings_ms.first_token`',
      (f) => f.firstToken,
      `server side, start of the turn (before retrieval) → first token; holds the model's ${FIRST_TOKEN_MS} ms`,
    ),
    row(
      'Trace model call (`attempts[].ms`)',
      (f) => f.modelCall,
      'the model chain starting the AI SDK stream → its first text delta',
    ),
    row(
      'Model call through Parley − direct',
      (f) => f.modelCallVsDirect,
      'difference of percentiles: AI SDK client, Parley-sized prompt vs. a bare fetch with the question',
    ),
    row(
      "**Parley's own time** (client TTFT − model call)",
      (f) => f.ownWork,
      'per request (trace paired by turn id): everything but the model call; the sum of the next three',
    ),
    row(
      '… outside the turn (client TTFT − `first_token`)',
      (f) => f.outsideTurn,
      'per request: HTTP both ways, Fastify routing, auth, body validation, SSE framing, client parsing',
    ),
    row(
      '… retrieval (trace `timings_ms.retrieval`)',
      (f) => f.retrieval,
      'BM25 top-8 and the new conversation row, in parallel, on the embedded database',
    ),
    row(
      '… retrieval → model call (`first_token` − `retrieval` − model call)',
      (f) => f.beforeModelCall,
      'per request: SSE headers and `meta`, the grounded prompt, the model chain, and the output guard holding back the first unfinished word until the next token',
    ),
    row('Direct: whole reply', (f) => f.directTotal, 'request start → end of stream'),
    row('Parley: whole reply', (f) => f.parleyTotal, 'request start → end of stream (`done`)'),
    textRow(
      'Requests (direct / Parley)',
      (l) =>
        `${l.direct.samples.length} / ${l.parley.samples.length} ok` +
        (l.direct.errors.size + l.parley.errors.size > 0
          ? `; errors: ${describeErrors(l.direct.errors)} / ${describeErrors(l.parley.errors)}`
          : ', 0 errors'),
      `${WARMUP} warm-up requests each beforehand, not counted`,
    ),
    textRow(
      'Parley answer modes; traces read',
      (l) => `${modes(l)}; ${l.traces.size} traces${l.traceErrors ? `, ${l.traceErrors} missing` : ''}`,
      '`generated` = answered by the stub model; only these count in the Parley rows (`not_found`: nothing relevant retrieved, answered without a model call)',
    ),
    textRow(
      'Stub: most requests open at once (direct / Parley phase)',
      (l) => `${l.direct.stub.maxConcurrentRequests} / ${l.parley.stub.maxConcurrentRequests}`,
      `requests aborted by a client: ${levels.reduce((sum, l) => sum + l.direct.stub.aborted + l.parley.stub.aborted, 0)}`,
    ),
    textRow(
      'Stub: chat requests; median prompt chars (direct / Parley phase)',
      (l) =>
        `${l.direct.stub.byClient.direct?.requests ?? 0} / ${l.parley.stub.byClient.parley?.requests ?? 0}; ` +
        `${medianChars(l.direct.stub, 'direct')} / ${medianChars(l.parley.stub, 'parley')}`,
      'Parley sends its system prompt and the retrieved passages; one model call per generated turn',
    ),
    textRow(
      'Phase wall time (direct / Parley)',
      (l) => `${(l.direct.wallMs / 1000).toFixed(1)} s / ${(l.parley.wallMs / 1000).toFixed(1)} s`,
      '',
    ),
    textRow('CPU in the direct phase', (l) => cpuCell(l.direct.cpu), cpuNote),
    textRow('CPU in the Parley phase', (l) => cpuCell(l.parley.cpu), cpuNote),
    textRow(
      'Bench client event-loop delay p99',
      (l) => `${fmt(l.clientLoopP99Ms)} ms`,
      'the load generator (10 ms sampling, so ≈ 10 ms when idle)',
    ),
  ];
  const table = [header, separator, ...rows].join('\n');

  const verdicts = levels.map((level, i) => {
    const added = figures[i]!.added[0];
    return `${level.label}: **${fmt(added)} ms** → **${added < TARGET_P50_MS ? 'PASS' : 'FAIL'}**`;
  });
  const ready = context.ready as { retrieval?: { mode?: string; keyword?: string } };
  const command =
    `npx tsx bench/ttft.ts --n ${N_SEQUENTIAL} --concurrency ${CONCURRENCY} --concurrent-n ${N_CONCURRENT} ` +
    `--arrivals ${ARRIVALS} --auth ${AUTH} --warmup ${WARMUP} --first-token-ms ${FIRST_TOKEN_MS} --token-ms ${TOKEN_MS}`;
  return [
    '# Time to first token added by Parley',
    '',
    `Claim: time to first token added by Parley (Parley vs. calling the stub directly), with retrieval over the Fastify docs: p50 under ${TARGET_P50_MS} ms.`,
    '',
    `Run ${new Date().toISOString()} · commit ${commitLine()} · Node ${process.version} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}) · ` +
      `embedded PGlite, retrieval ${ready.retrieval?.mode ?? '?'} (${ready.retrieval?.keyword ?? '?'}), top-k 8, ` +
      `retrieval cache ${RETRIEVAL_CACHE === '0' ? 'off (every question searched)' : `${RETRIEVAL_CACHE} s (repeated questions reuse their passages)`} · ` +
      `${AUTH === 'key' ? 'requests with an API key' : 'keyless loopback requests'} · ` +
      `stub model (OpenAI Chat Completions) in its own process: first token after ${FIRST_TOKEN_MS} ms, then one every ${TOKEN_MS} ms, ${REPLY_TOKENS} tokens · ` +
      `${context.parley.ingestLine || 'docs ingested'}; server ready ${(context.bootMs / 1000).toFixed(1)} s after start · ` +
      `\`npm run build && ${command}\``,
    '',
    `Added p50 (Parley − direct): ${verdicts.join('; ')} (target < ${TARGET_P50_MS} ms).`,
    '',
    table,
    '',
    `Questions: \`examples/eval/fastify-questions.jsonl\` (${N_SEQUENTIAL} at 1 in flight, ${N_CONCURRENT} per run at ${CONCURRENCY} in flight, cycling through the file), ` +
      'the same questions in the same order for both sides; each side runs in a phase of its own, direct first. ' +
      'The load is closed-loop: each lane sends its next request when its previous reply has ended. ' +
      `"synchronized": the lanes start together and, every reply taking about as long, stay in lockstep, so ${CONCURRENCY} requests arrive at once every ~${(REPLY_MS / 1000).toFixed(1)} s (the worst case for queueing); ` +
      `"staggered": lane i starts i × ${(REPLY_MS / CONCURRENCY).toFixed(0)} ms later, spreading the arrivals out as independent users' would be. ` +
      'Percentiles are nearest-rank; with ~100 requests the p99 is the second-largest value. ' +
      `Parley server log lines at warn / error after start-up: ${context.parley.warnLines} / ${context.parley.errorLines}.`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

interface Cleanup {
  stub?: StubProcess;
  parley?: ParleyProcess;
  tempRoot?: string;
}

const cleanup: Cleanup = {};

async function runBenchmark(): Promise<void> {
  const questions = loadQuestions();
  const tempRoot = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-ttft-'));
  cleanup.tempRoot = tempRoot;

  const stub = await StubProcess.start(
    { firstTokenDelayMs: FIRST_TOKEN_MS, tokenIntervalMs: TOKEN_MS },
    (spawned) => {
      cleanup.stub = spawned;
    },
  );
  log(`stub provider pid ${stub.child.pid} at ${stub.url}`);

  const port = await freePort();
  const bootStarted = performance.now();
  const parley = ParleyProcess.start({ tempRoot, port, stubUrl: stub.url });
  cleanup.parley = parley;
  const ready = await parley.waitReady(180_000);
  const bootMs = performance.now() - bootStarted;
  log(`Parley pid ${parley.child.pid} ready on ${parley.baseUrl} in ${(bootMs / 1000).toFixed(1)} s`);
  if (parley.ingestLine) log(parley.ingestLine);
  parley.countProblems = true;
  const chain = (ready as { models?: { chain?: string[] } }).models?.chain ?? [];
  if (!chain.includes(`openai:${MODEL}`)) throw new Error(`Parley's model chain is ${JSON.stringify(chain)}`);
  if (AUTH === 'key') {
    parley.createKey();
    log('created an API key for the default tenant; every request sends it');
  }

  // Warm-up: JIT, connection pools, the database's caches. A turn that is not answered by the
  // stub (extractive or degraded) would measure something else, so it stops the benchmark here.
  log(`warm-up: ${WARMUP} requests each side`);
  const warm = questions.slice(0, WARMUP);
  const warmDirect = await runSide(stub, parley, warm, Math.min(4, CONCURRENCY || 1), (q) =>
    directTurn(stub.url, q),
  );
  const warmParley = await runSide(stub, parley, warm, Math.min(4, CONCURRENCY || 1), (q) =>
    parleyTurn(parley, q),
  );
  const warmErrors = new Map([...warmDirect.errors, ...warmParley.errors]);
  if (warmErrors.size > 0) throw new Error(`warm-up failed: ${describeErrors(warmErrors)}`);
  // `not_found` (nothing relevant retrieved, no model call) is a legitimate answer to some
  // questions; `extractive` or `degraded` means the model chain is missing or failing.
  const noModel = warmParley.samples.filter((s) => s.mode === 'extractive' || s.mode === 'degraded');
  if (noModel.length > 0 || !warmParley.samples.some((s) => s.mode === 'generated')) {
    const modes = warmParley.samples.map((s) => s.mode).join(', ');
    throw new Error(`warm-up: Parley's turns were not answered by the stub model (${modes})`);
  }
  await sleep(1000);

  const levels: Level[] = [];
  levels.push(await runLevel(stub, parley, questions, N_SEQUENTIAL, 1, 'sequential'));
  if (CONCURRENCY > 1) {
    for (const arrivals of ['staggered', 'synchronized'] as const) {
      if (ARRIVALS === 'both' || ARRIVALS === arrivals) {
        levels.push(await runLevel(stub, parley, questions, N_CONCURRENT, CONCURRENCY, arrivals));
      }
    }
  }

  const text = report(levels, { ready, bootMs, parley });
  process.stdout.write(`\n${text}`);
  if (parley.warnLines + parley.errorLines > 0) {
    log('Parley warnings/errors (last 10):');
    for (const line of parley.problems.slice(-10)) log(`  ${line.slice(0, 400)}`);
  }
  if (!args['no-write']) {
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, text);
    log(`wrote ${path.relative(REPO_ROOT, RESULTS_FILE)}`);
  }
}

async function tidyUp(): Promise<void> {
  const { stub, parley, tempRoot } = cleanup;
  cleanup.stub = undefined;
  cleanup.parley = undefined;
  cleanup.tempRoot = undefined;
  // Parley first: it drains its streams (to the stub) on SIGTERM.
  if (parley) {
    await parley.stop().catch((error: Error) => log(`stopping Parley failed: ${error.message}`));
    if (parley.exited && parley.exited.code !== 0 && parley.exited.signal !== 'SIGTERM') {
      log(`Parley exit: ${JSON.stringify(parley.exited)}; last output:`);
      for (const line of parley.output.slice(-15)) log(`  ${line.slice(0, 400)}`);
    }
  }
  if (stub) await stub.stop().catch((error: Error) => log(`stopping the stub failed: ${error.message}`));
  if (tempRoot) await rm(tempRoot, { recursive: true, force: true });
}

await runBench(runBenchmark, {
  tidyUp,
  killNow: () => {
    cleanup.parley?.child.kill('SIGKILL');
    cleanup.stub?.child.kill('SIGKILL');
    if (cleanup.tempRoot) rmSync(cleanup.tempRoot, { recursive: true, force: true });
  },
  onFailure: () => {
    for (const [name, output] of [
      ['Parley', cleanup.parley?.output],
      ['stub', cleanup.stub?.output],
    ] as const) {
      if (!output?.length) continue;
      log(`last ${name} output:`);
      for (const line of output.slice(-20)) log(`  ${line.slice(0, 400)}`);
    }
  },
});
