// Benchmark (not a test): Parley under load, against the floor (a bare streaming proxy) and what
// users would otherwise build (a LangChain.js RAG server), all on the same stub model.
//
//   npm run bench                    # npm run build, then this with the defaults (~25 minutes)
//   npx tsx bench/load.ts [--quick] [--levels 10,100,500] [--duration 30] [--warmup 8] [--turns 3]
//     [--think-ms 0] [--soak-minutes 10] [--soak-concurrency 200] [--first-token-ms 300]
//     [--token-ms 20] [--only direct,proxy,langchain,parley,parley-pg,telemetry,soak]
//     [--cpu-prof] [--parley-node-args=--max-semi-space-size=64] [--out load.md] [--no-write] [--workers 1] [--reply-tokens 49]
//     [--rounds 1]
//
// Every party runs in a process of its own: the stub model (OpenAI Chat Completions wire format,
// a 49-token reply paced at --first-token-ms, then one token every --token-ms), the load generator
// (closed loop: N virtual users, each holding a conversation of --turns turns and starting a new
// one after it), and the server measured:
// - direct: the stub itself, the baseline every "added" figure is measured against;
// - proxy: Fastify forwarding the request straight to the stub (bench/support/bare-proxy-process.ts);
// - langchain: the same RAG turn as the LangChain.js tutorials write it
//   (bench/support/langchain-reference-process.ts);
// - parley: `parley serve --docs <Fastify docs>` on the embedded database, with an API key;
// - parley-pg: the same on PostgreSQL (a fresh database the bench creates and drops) and Redis;
// - telemetry: Parley embedded at 100 concurrent with PARLEY_TELEMETRY=off, then on again
//   (--telemetry-rounds times, alternately);
// - soak: Parley embedded at --soak-concurrency for --soak-minutes.
// --rounds N runs direct, proxy and Parley (embedded) N times in turn, Parley started afresh on the
// same data each round, and judges the goals on the median over the rounds: on a shared machine one
// window's throughput moves by more than the effects measured, and the proxy's and Parley's windows
// should see the same neighbours.
// Each level runs --warmup seconds (users ramp up over one reply's duration), then a measured
// window of --duration seconds in which the server's CPU time (/proc/<pid>/stat), event-loop delay
// (bench/support/event-loop-probe.mjs, preloaded) and memory are read, then the users stop and the
// turns in flight finish. Parley's request rate limits are off (0) for the bench: they would
// refuse a closed loop of 500 users from one address and key at once.
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { runBench } from './support/bench-main.js';
import { FASTIFY_DOCS_DIR, loadQuestions, REPO_ROOT, RESULTS_DIR } from './support/bench-paths.js';
import { freePort, log, sleep } from './support/child-processes.js';
import { formatProfileSummary, summariseProfile } from './support/cpu-profile.js';
import {
  EVENT_LOOP_PROBE,
  probeMemory,
  probeSnapshot,
  resetProbe,
} from './support/event-loop-probe-client.js';
import { renderTtftChart } from './support/load-chart.js';
import { LoadGenerator } from './support/load-generator.js';
import type { LoadTarget } from './support/load-protocol.js';
import {
  type LevelRun,
  type LoadReportContext,
  loadReport,
  type ServerName,
  type SoakRun,
  ttftSeries,
} from './support/load-report.js';
import { ParleyProcess } from './support/parley-process.js';
import {
  hostCpu,
  openDescriptors,
  processCpuMs,
  processMemory,
  processRunWaitMs,
  processTree,
  processTreeCpuMs,
  processTreeMemory,
  processTreeRunWaitMs,
  tcpConnectionsOnPort,
} from './support/proc-stats.js';
import { ScriptServer } from './support/script-server.js';
import { BENCH_METRICS_TOKEN, readServerCounters, threadCpuMs } from './support/server-counters.js';
import { STUB_MODEL, STUB_REPLY_TOKENS, StubProcess } from './support/stub-process.js';

const GROUPS = ['direct', 'proxy', 'langchain', 'parley', 'parley-pg', 'telemetry', 'soak'] as const;
type Group = (typeof GROUPS)[number];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    levels: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    turns: { type: 'string', default: '3' },
    'think-ms': { type: 'string', default: '0' },
    'soak-minutes': { type: 'string' },
    'soak-concurrency': { type: 'string', default: '200' },
    'telemetry-concurrency': { type: 'string', default: '100' },
    'telemetry-rounds': { type: 'string', default: '2' },
    'first-token-ms': { type: 'string', default: '300' },
    'token-ms': { type: 'string', default: '20' },
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'parley-node-args': { type: 'string' },
    'profile-level': { type: 'string', default: '100' },
    'keep-profile': { type: 'string' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    out: { type: 'string', default: 'load.md' },
    'no-write': { type: 'boolean', default: false },
    // Parley's processes on its port (PARLEY_WORKERS); CPU and memory are then the whole tree's.
    workers: { type: 'string', default: '1' },
    // The stub's reply cut to this many tokens (the outside check's shape: 30, with --turns 1).
    'reply-tokens': { type: 'string' },
    rounds: { type: 'string', default: '1' },
  },
});

const QUICK = args.quick ?? false;
const numberList = (text: string) => text.split(',').map((part) => Number(part.trim()));
const LEVELS = numberList(args.levels ?? (QUICK ? '10,100' : '10,100,500'));
const DURATION_S = Number(args.duration ?? (QUICK ? 6 : 30));
const WARMUP_S = Number(args.warmup ?? (QUICK ? 3 : 8));
const TURNS = Number(args.turns);
const THINK_MS = Number(args['think-ms']);
const SOAK_MINUTES = Number(args['soak-minutes'] ?? (QUICK ? 0.5 : 10));
const SOAK_CONCURRENCY = Number(args['soak-concurrency']);
const TELEMETRY_CONCURRENCY = Number(args['telemetry-concurrency']);
const TELEMETRY_ROUNDS = Number(args['telemetry-rounds']);
const FIRST_TOKEN_MS = Number(args['first-token-ms']);
const TOKEN_MS = Number(args['token-ms']);
const CPU_PROF = args['cpu-prof'] ?? false;
const REPLY_TOKENS = args['reply-tokens'] === undefined ? undefined : Number(args['reply-tokens']);
if (REPLY_TOKENS !== undefined && !(Number.isInteger(REPLY_TOKENS) && REPLY_TOKENS >= 1)) {
  throw new Error(`--reply-tokens must be a whole number ≥ 1, not ${args['reply-tokens']}`);
}
if (!/^(auto|[1-9]\d*)$/.test(args.workers)) throw new Error(`--workers: ${args.workers}`);
const PROFILE_LEVEL = Number(args['profile-level']);
const ROUNDS = Number(args.rounds);
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1))
  throw new Error(`--rounds must be a whole number ≥ 1, not ${args.rounds}`);
if (ROUNDS > 1 && CPU_PROF) throw new Error('--cpu-prof profiles one round: leave --rounds at 1');
const ONLY = new Set<Group>(args.only ? (args.only.split(',').map((g) => g.trim()) as Group[]) : GROUPS);
for (const group of ONLY) {
  if (!GROUPS.includes(group)) throw new Error(`--only takes ${GROUPS.join(', ')}; not ${group}`);
}
for (const [name, value] of Object.entries({
  duration: DURATION_S,
  warmup: WARMUP_S,
  turns: TURNS,
  'think-ms': THINK_MS,
  'soak-minutes': SOAK_MINUTES,
  'soak-concurrency': SOAK_CONCURRENCY,
  'first-token-ms': FIRST_TOKEN_MS,
  'token-ms': TOKEN_MS,
})) {
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number ≥ 0, not ${value}`);
}
if (LEVELS.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--levels: ${args.levels}`);

const RESULTS_FILE = path.join(RESULTS_DIR, path.basename(args.out ?? 'load.md'));
const CHART_FILE = `${RESULTS_FILE.replace(/\.md$/, '')}-ttft.png`;
/** How long the stub takes over a whole reply. */
const REPLY_MS = FIRST_TOKEN_MS + TOKEN_MS * ((REPLY_TOKENS ?? STUB_REPLY_TOKENS) - 1);
const TURN_TIMEOUT_MS = 120_000;
const DRAIN_MS = 60_000;

/** Parley's settings for the bench over its defaults (and over the caller's PARLEY_* variables). */
const PARLEY_BENCH_ENV: Record<string, string | undefined> = {
  // A closed loop of hundreds of users from one address with one key would hit the default
  // 600 requests per minute per key and per address at once.
  PARLEY_RATE_REQUESTS_PER_MINUTE_KEY: '0',
  PARLEY_RATE_REQUESTS_PER_MINUTE_IP: '0',
  // The default log level (info: a line per request, to stderr, which the bench reads).
  PARLEY_LOG_LEVEL: process.env.PARLEY_LOG_LEVEL,
  PARLEY_WORKERS: args.workers,
  // The soak reads Parley's /metrics, which is the operator's (an API key does not open it).
  PARLEY_METRICS_TOKEN: BENCH_METRICS_TOKEN,
};

const scripts = {
  proxy: fileURLToPath(new URL('./support/bare-proxy-process.ts', import.meta.url)),
  langchain: fileURLToPath(new URL('./support/langchain-reference-process.ts', import.meta.url)),
};

// ---------------------------------------------------------------------------------------------
// What is running, for the clean-up

type ServerProcess = ScriptServer | ParleyProcess;

interface Running {
  stub?: StubProcess;
  generator?: LoadGenerator;
  servers: Set<ServerProcess>;
  tempRoot?: string;
  databases: string[];
}
const running: Running = { servers: new Set(), databases: [] };

/** Warn and error lines of each Parley instance while it was measured, by data directory. */
const parleyProblems: LoadReportContext['parleyProblems'] = [];

async function stopServer(server: ServerProcess) {
  running.servers.delete(server);
  if (server instanceof ParleyProcess) {
    // Counted before the stop: shutdown warnings are not the load's.
    parleyProblems.push({
      name: server.name,
      warn: server.warnLines,
      error: server.errorLines,
      last: server.problems.slice(-3),
    });
  }
  await server.stop().catch((error: Error) => log(`stopping a server failed: ${error.message}`));
}

// ---------------------------------------------------------------------------------------------
// One measured level

/** The process measured and how to reach it. */
interface Subject {
  server: ServerName;
  pid: number | undefined;
  /** The child with the event-loop probe, if any. */
  probed?: ParleyProcess['child'];
  target: LoadTarget;
}

async function measureLevel(
  stub: StubProcess,
  generator: LoadGenerator,
  subject: Subject,
  concurrency: number,
  questions: string[],
  options: { durationMs?: number; warmupMs?: number; onSample?: (elapsedMs: number) => void } = {},
): Promise<LevelRun> {
  const durationMs = options.durationMs ?? DURATION_S * 1000;
  const warmupMs = options.warmupMs ?? WARMUP_S * 1000;
  log(`${subject.server} × ${concurrency}: ${warmupMs / 1000} s warm-up, ${durationMs / 1000} s measured`);
  await stub.reset();
  // The stub records every request; forget them as the run goes so that they do not pile up.
  const lean = setInterval(() => void stub.reset().catch(() => {}), 10_000);
  try {
    await generator.run({
      target: subject.target,
      concurrency,
      turnsPerConversation: TURNS,
      questions,
      rampMs: Math.min(REPLY_MS, warmupMs),
      thinkMs: THINK_MS,
      turnTimeoutMs: TURN_TIMEOUT_MS,
    });
    await sleep(warmupMs);

    const pids = { server: subject.pid, stub: stub.pid, generator: generator.pid };
    const cpu0 = {
      server: processTreeCpuMs(pids.server),
      stub: processCpuMs(pids.stub),
      gen: processCpuMs(pids.generator),
    };
    const wait0 = {
      server: processTreeRunWaitMs(pids.server),
      stub: processRunWaitMs(pids.stub),
      gen: processRunWaitMs(pids.generator),
    };
    /** The main thread's CPU of a one-process server (a `--workers` tree has several). */
    const mainCpu = () =>
      pids.server === undefined || processTree(pids.server).length > 1
        ? Number.NaN
        : (threadCpuMs(pids.server).main ?? Number.NaN);
    const main0 = mainCpu();
    const host0 = hostCpu();
    if (subject.probed) await resetProbe(subject.probed);
    const profileFrom = process.hrtime.bigint();
    await generator.mark();
    const started = performance.now();
    if (options.onSample) {
      const sampleEvery = 10_000;
      for (let elapsed = sampleEvery; elapsed < durationMs; elapsed += sampleEvery) {
        await sleep(started + elapsed - performance.now());
        options.onSample(elapsed);
      }
    }
    await sleep(started + durationMs - performance.now());
    await generator.mark();
    const wallMs = performance.now() - started;
    const profileTo = process.hrtime.bigint();
    const cpu1 = {
      server: processTreeCpuMs(pids.server),
      stub: processCpuMs(pids.stub),
      gen: processCpuMs(pids.generator),
    };
    const host1 = hostCpu();
    const main1 = mainCpu();
    const wait1 = {
      server: processTreeRunWaitMs(pids.server),
      stub: processRunWaitMs(pids.stub),
      gen: processRunWaitMs(pids.generator),
    };
    const eventLoop = subject.probed ? await probeSnapshot(subject.probed) : undefined;
    const memory = processTreeMemory(subject.pid);
    options.onSample?.(durationMs);
    const load = await generator.stop(DRAIN_MS);
    const serverCpuMs = cpu1.server - cpu0.server;
    const pct = (ms: number) => (100 * ms) / wallMs;
    const run: LevelRun = {
      server: subject.server,
      concurrency,
      load,
      wallMs,
      serverCpuMs,
      cpuPerTurnMs: serverCpuMs / load.turnsCompleted,
      mainCpuPerTurnMs: (main1 - main0) / load.turnsCompleted,
      turnsPerSecond: load.turnsCompleted / (wallMs / 1000),
      eventLoop,
      rssBytes: memory.rss,
      hwmBytes: memory.hwm,
      machine: {
        busyPct: host0 && host1 ? pct(host1.busyMs - host0.busyMs) : Number.NaN,
        serverPct: pct(serverCpuMs),
        stubPct: pct(cpu1.stub - cpu0.stub),
        generatorPct: pct(cpu1.gen - cpu0.gen),
        waitPct: {
          server: pct(wait1.server - wait0.server),
          stub: pct(wait1.stub - wait0.stub),
          generator: pct(wait1.gen - wait0.gen),
        },
      },
      profileWindowUs: [Number(profileFrom / 1000n), Number(profileTo / 1000n)],
    };
    const errors = Object.values(load.errors).reduce((sum, n) => sum + n, 0);
    log(
      `  ${run.turnsPerSecond.toFixed(1)} turns/s, ${errors} errors, CPU ${run.cpuPerTurnMs.toFixed(1)} ms/turn, ` +
        `event-loop p99 ${eventLoop ? eventLoop.p99Ms.toFixed(1) : 'n/a'} ms`,
    );
    return run;
  } finally {
    clearInterval(lean);
    await sleep(1000);
  }
}

// ---------------------------------------------------------------------------------------------
// The servers

/** The API key created on each data directory (by its name), for restarts on it. */
const keys = new Map<string, Record<string, string>>();

async function startParley(
  stub: StubProcess,
  name: string,
  env: Record<string, string | undefined>,
  profileDir?: string,
): Promise<ParleyProcess> {
  const tempRoot = path.join(running.tempRoot!, name);
  mkdirSync(tempRoot, { recursive: true });
  const port = await freePort();
  const parley = ParleyProcess.start({
    tempRoot,
    port,
    stubUrl: stub.url,
    env: { ...PARLEY_BENCH_ENV, ...env },
    nodeArgs: [
      '--import',
      EVENT_LOOP_PROBE,
      ...(args['parley-node-args']?.split(/\s+/).filter(Boolean) ?? []),
      ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
    ],
    ipc: true,
    name,
  });
  running.servers.add(parley);
  // Restarted on a data directory that has a key: /readyz wants it.
  const key = keys.get(name);
  if (key) parley.headers = key;
  const started = performance.now();
  const ready = (await parley.waitReady(600_000)) as { retrieval?: { mode?: string; keyword?: string } };
  log(
    `${name}: pid ${parley.pid} ready in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `(${parley.ingestLine || 'docs ingested'}; retrieval ${ready.retrieval?.mode ?? '?'} ${ready.retrieval?.keyword ?? ''})`,
  );
  parley.countProblems = true;
  if (!key) {
    // The default tenant holds the ingested docs (a key of another tenant would see none of them).
    parley.createKey('default');
    keys.set(name, parley.headers);
  }
  return parley;
}

function parleySubject(server: ServerName, parley: ParleyProcess): Subject {
  return {
    server,
    pid: parley.pid,
    probed: parley.child,
    target: { protocol: 'parley', baseUrl: parley.baseUrl, headers: parley.headers, model: STUB_MODEL },
  };
}

async function withScriptServer(
  name: 'proxy' | 'langchain',
  args: string[],
  protocol: LoadTarget['protocol'],
  body: (subject: Subject) => Promise<void>,
): Promise<void> {
  const server = await ScriptServer.start(name, scripts[name], args);
  running.servers.add(server);
  log(`${name}: pid ${server.pid} at ${server.url}`);
  try {
    await body({
      server: name,
      pid: server.pid,
      probed: server.child,
      target: { protocol, baseUrl: server.url, headers: {}, model: STUB_MODEL },
    });
  } finally {
    await stopServer(server);
  }
}

async function createDatabase(adminUrl: string): Promise<string> {
  const name = `parley_bench_${process.pid}_${Date.now().toString(36)}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  running.databases.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabases(adminUrl: string): Promise<void> {
  const names = running.databases.splice(0);
  if (names.length === 0) return;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of names) await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function runBenchmark(): Promise<void> {
  const questions = loadQuestions();
  running.tempRoot = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-load-'));
  const profileDir = CPU_PROF ? path.join(running.tempRoot, 'profiles') : undefined;

  const stub = await StubProcess.start(
    { firstTokenDelayMs: FIRST_TOKEN_MS, tokenIntervalMs: TOKEN_MS },
    (s) => {
      running.stub = s;
    },
    REPLY_TOKENS,
  );
  log(`stub model pid ${stub.pid} at ${stub.url}`);
  const generator = LoadGenerator.start();
  running.generator = generator;

  const levels: LevelRun[] = [];
  const context: LoadReportContext = {
    command: `npx tsx bench/load.ts ${process.argv.slice(2).join(' ')}`.trim(),
    levels: LEVELS,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    turns: TURNS,
    thinkMs: THINK_MS,
    firstTokenMs: FIRST_TOKEN_MS,
    tokenMs: TOKEN_MS,
    replyTokens: REPLY_TOKENS ?? STUB_REPLY_TOKENS,
    parleyEnv: PARLEY_BENCH_ENV,
    parleyProblems,
    notes: [],
  };
  const runLevels = async (subject: Subject, concurrencies: number[], round?: number) => {
    for (const concurrency of concurrencies) {
      const run = await measureLevel(stub, generator, subject, concurrency, questions);
      levels.push(round === undefined ? run : { ...run, round });
    }
  };

  async function runParley(round: number | undefined): Promise<void> {
    const parley = await startParley(stub, 'parley', {}, profileDir);
    try {
      await runLevels(parleySubject('parley', parley), LEVELS, round);
    } finally {
      await stopServer(parley);
    }
    if (profileDir) {
      const profiled = levels.find((l) => l.server === 'parley' && l.concurrency === PROFILE_LEVEL);
      const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
      if (profiled?.profileWindowUs && file) {
        const [from, to] = profiled.profileWindowUs;
        context.profile = formatProfileSummary(summariseProfile(path.join(profileDir, file), from, to, 0));
        if (args['keep-profile']) {
          // For a flame graph (e.g. speedscope, Chrome DevTools): the whole run, not only the window.
          copyFileSync(path.join(profileDir, file), args['keep-profile']);
          console.log(`[bench] kept the CPU profile as ${args['keep-profile']}`);
        }
        context.notes.push(
          `Parley ran under \`node --cpu-prof\` in this run: its figures are inflated by the profiler.`,
        );
      }
    }
  }

  for (let index = 1; index <= ROUNDS; index++) {
    const round = ROUNDS > 1 ? index : undefined;
    if (round) log(`round ${round} of ${ROUNDS}`);
    if (ONLY.has('direct')) {
      await runLevels(
        {
          server: 'direct',
          pid: stub.pid,
          target: {
            protocol: 'openai',
            baseUrl: stub.url,
            headers: { authorization: 'Bearer test' },
            model: STUB_MODEL,
          },
        },
        LEVELS,
        round,
      );
    }
    if (ONLY.has('proxy')) {
      await withScriptServer('proxy', [stub.url], 'openai', (subject) => runLevels(subject, LEVELS, round));
    }
    if (ONLY.has('parley')) await runParley(round);
  }
  if (ONLY.has('langchain')) {
    await withScriptServer('langchain', [stub.url, FASTIFY_DOCS_DIR, STUB_MODEL], 'parley', (subject) =>
      runLevels(subject, LEVELS),
    );
  }

  if (ONLY.has('telemetry')) {
    // Off and on alternately, --telemetry-rounds times: one window each moves with the run by
    // more than the effect measured, so each mode's figure is the mean of its windows.
    const modes = Array.from({ length: TELEMETRY_ROUNDS }, () => ['off', 'on'] as const).flat();
    for (const telemetry of modes) {
      // The same data directory (the docs are unchanged, so ingestion skips them) for both.
      const parley = await startParley(stub, 'parley', { PARLEY_TELEMETRY: telemetry });
      try {
        const run = await measureLevel(
          stub,
          generator,
          parleySubject(`parley telemetry ${telemetry}`, parley),
          TELEMETRY_CONCURRENCY,
          questions,
        );
        levels.push(run);
      } finally {
        await stopServer(parley);
      }
    }
  }

  if (ONLY.has('parley-pg')) {
    const adminUrl = args['pg-url']!;
    const databaseUrl = await createDatabase(adminUrl);
    try {
      const parley = await startParley(stub, 'parley-pg', {
        DATABASE_URL: databaseUrl,
        REDIS_URL: args['redis-url'],
      });
      try {
        await runLevels(parleySubject('parley-pg', parley), LEVELS);
      } finally {
        await stopServer(parley);
      }
    } finally {
      await dropDatabases(adminUrl);
    }
  }

  let soak: SoakRun | undefined;
  if (ONLY.has('soak') && SOAK_MINUTES > 0) soak = await runSoak(stub, generator, questions);

  const text = loadReport(levels, soak, context);
  process.stdout.write(`\n${text}`);
  if (!args['no-write']) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(RESULTS_FILE, text);
    log(`wrote ${path.relative(REPO_ROOT, RESULTS_FILE)}`);
    const series = ttftSeries(levels);
    if (series.length > 0) {
      renderTtftChart(
        series,
        `Time to first token vs concurrent conversations (stub: first token ${FIRST_TOKEN_MS} ms)`,
        CHART_FILE,
      );
      log(`wrote ${path.relative(REPO_ROOT, CHART_FILE)}`);
    }
  }
}

/** How long the soak lets Parley idle before counting descriptors (the pool's idle timeout is 30 s). */
const IDLE_SETTLE_MS = 40_000;

/** Parley embedded at --soak-concurrency for --soak-minutes: memory over time, descriptors before/after. */
async function runSoak(stub: StubProcess, generator: LoadGenerator, questions: string[]): Promise<SoakRun> {
  const parley = await startParley(stub, 'parley', {});
  try {
    const port = Number(new URL(parley.baseUrl).port);
    // Idle long enough for the connections of the start-up to close: keep-alive (Parley → stub)
    // and the database pool's idle connections (closed after 30 s idle).
    await sleep(IDLE_SETTLE_MS);
    const before = { ...openDescriptors(parley.pid), tcp: tcpConnectionsOnPort(port) };
    const totalMs = SOAK_MINUTES * 60_000;
    const warmupMs = Math.min(120_000, totalMs / 5);
    const samples: SoakRun['samples'] = [];
    const sampling: Promise<unknown>[] = [];
    // Parley's own counters (turns, GC, CPU by thread) at the start and at each sample, for the
    // per-interval rows; the database thread's heap and WebAssembly memory come with them.
    const counters: SoakRun['counters'] = [];
    const readCounters = (elapsedS: number) =>
      readServerCounters(parley, parley.pid!).then(
        (reading) => {
          counters.push({ elapsedS, ...reading });
          return reading;
        },
        (error: Error) => {
          log(`reading Parley's /metrics: ${error.message}`);
          return undefined;
        },
      );
    sampling.push(readCounters(0));
    const sample = (elapsedMs: number) => {
      const at = { elapsedS: (warmupMs + elapsedMs) / 1000, rssMiB: processMemory(parley.pid).rss / 2 ** 20 };
      // The main thread's heap beside the process's RSS: growth outside it is the database worker's or native.
      sampling.push(
        Promise.all([probeMemory(parley.child).catch(() => undefined), readCounters(at.elapsedS)]).then(
          ([memory, reading]) =>
            samples.push({
              ...at,
              ...(memory
                ? { heapMiB: memory.heapUsed / 2 ** 20, externalMiB: memory.external / 2 ** 20 }
                : {}),
              ...(reading?.dbMemory
                ? { dbHeapMiB: reading.dbMemory.heap / 2 ** 20, dbWasmMiB: reading.dbMemory.wasm / 2 ** 20 }
                : {}),
            }),
        ),
      );
    };
    const level = await measureLevel(
      stub,
      generator,
      parleySubject('parley soak', parley),
      SOAK_CONCURRENCY,
      questions,
      {
        durationMs: totalMs - warmupMs,
        warmupMs,
        onSample: sample,
      },
    );
    await Promise.all(sampling);
    samples.sort((a, b) => a.elapsedS - b.elapsedS);
    counters.sort((a, b) => a.elapsedS - b.elapsedS);
    await sleep(IDLE_SETTLE_MS);
    const after = { ...openDescriptors(parley.pid), tcp: tcpConnectionsOnPort(port) };
    return { level, minutes: SOAK_MINUTES, warmupS: warmupMs / 1000, samples, counters, before, after };
  } finally {
    await stopServer(parley);
  }
}

async function tidyUp(): Promise<void> {
  for (const server of [...running.servers]) await stopServer(server);
  await running.generator?.close().catch(() => {});
  running.generator = undefined;
  await running.stub?.stop().catch(() => {});
  running.stub = undefined;
  await dropDatabases(args['pg-url']!).catch((error: Error) => log(`dropping databases: ${error.message}`));
  if (running.tempRoot) await rm(running.tempRoot, { recursive: true, force: true });
  running.tempRoot = undefined;
}

await runBench(runBenchmark, {
  tidyUp,
  killNow: () => {
    for (const server of running.servers) server.child.kill('SIGKILL');
    running.generator?.child.kill('SIGKILL');
    running.stub?.child.kill('SIGKILL');
    if (running.tempRoot) rmSync(running.tempRoot, { recursive: true, force: true });
  },
  onFailure: () => {
    for (const server of running.servers) {
      log(`last output of pid ${server.pid}:`);
      for (const text of server.output.slice(-20)) log(`  ${text.slice(0, 400)}`);
    }
  },
});
