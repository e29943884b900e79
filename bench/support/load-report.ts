// The load benchmark's report (bench/results/load.md): the settings, the goals with a verdict,
// one row per server and concurrency, telemetry on/off, the soak, and the chart's data.
import os from 'node:os';
import { commitLine } from './bench-paths.js';
import type { ProbeSnapshot } from './event-loop-probe-client.js';
import type { ChartSeries } from './load-chart.js';
import type { LoadResult } from './load-protocol.js';
import { fmt, percentile } from './percentiles.js';
import { counterInterval, type ServerCounters } from './server-counters.js';

export type ServerName =
  | 'direct'
  | 'proxy'
  | 'langchain'
  | 'parley'
  | 'parley-pg'
  | 'parley telemetry off'
  | 'parley telemetry on'
  | 'parley soak';

/** One server at one concurrency, over the measured window. */
export interface LevelRun {
  server: ServerName;
  concurrency: number;
  load: LoadResult;
  wallMs: number;
  /** The server process's CPU time over the window (all its threads), in ms. */
  serverCpuMs: number;
  cpuPerTurnMs: number;
  /** Of it, the main (HTTP) thread's; absent in results from before it, NaN for a `--workers` tree. */
  mainCpuPerTurnMs?: number;
  turnsPerSecond: number;
  eventLoop: ProbeSnapshot | undefined;
  rssBytes: number;
  hwmBytes: number;
  /** % of one CPU over the window: the whole machine, then the server, the stub and the load generator. */
  machine: {
    busyPct: number;
    serverPct: number;
    stubPct: number;
    generatorPct: number;
    /**
     * Time their threads were ready to run but waited for a CPU, as % of the window (all threads
     * summed: 100 is one thread kept waiting the whole window). Absent in results from before it.
     */
    waitPct?: { server: number; stub: number; generator: number };
  };
  /** The window on the CLOCK_MONOTONIC clock in µs (a --cpu-prof profile's clock). */
  profileWindowUs?: [number, number];
  /** Which round of `--rounds` (absent: the bench ran one). */
  round?: number;
}

export interface SoakRun {
  level: LevelRun;
  minutes: number;
  warmupS: number;
  /** RSS of the process; heap used and external memory of its main (HTTP) thread, when the probe answered. */
  samples: {
    elapsedS: number;
    rssMiB: number;
    heapMiB?: number;
    externalMiB?: number;
    /** The embedded database thread's JS heap and WebAssembly memory. */
    dbHeapMiB?: number;
    dbWasmMiB?: number;
  }[];
  /** Parley's own counters at the start and at each sample: turns, GC, CPU by thread. */
  counters?: ({ elapsedS: number } & ServerCounters)[];
  before: { fds: number; sockets: number; tcp: { established: number; other: number } };
  after: { fds: number; sockets: number; tcp: { established: number; other: number } };
}

export interface LoadReportContext {
  command: string;
  levels: number[];
  durationS: number;
  warmupS: number;
  turns: number;
  thinkMs: number;
  firstTokenMs: number;
  tokenMs: number;
  replyTokens: number;
  parleyEnv: Record<string, string | undefined>;
  parleyProblems: { name: string; warn: number; error: number; last: string[] }[];
  profile?: string;
  notes: string[];
}

const MiB = 2 ** 20;
const CHART_SERVERS: ServerName[] = ['direct', 'proxy', 'langchain', 'parley', 'parley-pg'];
const LABELS: Record<ServerName, string> = {
  direct: 'stub, called directly',
  proxy: 'bare Fastify proxy',
  langchain: 'LangChain.js reference',
  parley: 'Parley, embedded',
  'parley-pg': 'Parley, PostgreSQL + Redis',
  'parley telemetry off': 'Parley, embedded, PARLEY_TELEMETRY=off',
  'parley telemetry on': 'Parley, embedded, telemetry on',
  'parley soak': 'Parley, embedded (soak)',
};

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
/** Over the turns started in the window and the lower bounds of those left waiting since before it. */
const ttft = (run: LevelRun, p: number) =>
  percentile(sorted([...run.load.ttftMs, ...(run.load.ttftLowerBoundsMs ?? [])]), p);
const labelOf = (run: LevelRun) =>
  `${LABELS[run.server]}${run.round === undefined ? '' : `, round ${run.round}`}`;
/** "≥ " when the TTFT percentiles include lower bounds (users still waiting as the window closed). */
const atLeast = (run: LevelRun) => ((run.load.ttftLowerBoundsMs?.length ?? 0) > 0 ? '≥ ' : '');
const errorCount = (run: LevelRun) => Object.values(run.load.errors).reduce((sum, n) => sum + n, 0);
const line = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;

/** The run of `server` at `concurrency`: of the round given, when both it and the run have one. */
function find(
  levels: LevelRun[],
  server: ServerName,
  concurrency: number,
  round?: number,
): LevelRun | undefined {
  return levels.find(
    (run) =>
      run.server === server &&
      run.concurrency === concurrency &&
      (round === undefined || run.round === undefined || run.round === round),
  );
}

/** Time to first token over the stub called directly at the same concurrency (and round), percentile by percentile. */
function added(levels: LevelRun[], run: LevelRun, p: number): number {
  const direct = find(levels, 'direct', run.concurrency, run.round);
  return direct ? ttft(run, p) - ttft(direct, p) : Number.NaN;
}

const median = (values: number[]): number => {
  const known = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (known.length === 0) return Number.NaN;
  const mid = Math.floor(known.length / 2);
  return known.length % 2 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2;
};

/** The rounds measured (none: one run, round undefined). */
const roundsOf = (levels: LevelRun[]): (number | undefined)[] => {
  const rounds = [...new Set(levels.map((run) => run.round).filter((r): r is number => r !== undefined))];
  return rounds.length > 0 ? rounds.sort((a, b) => a - b) : [undefined];
};

/** Parley against the proxy at one level, round by round: throughput ratio and added first-token time. */
function versusProxy(levels: LevelRun[], concurrency: number) {
  return roundsOf(levels).map((round) => {
    const parley = find(levels, 'parley', concurrency, round);
    const proxy = find(levels, 'proxy', concurrency, round);
    return {
      round,
      parley: parley?.turnsPerSecond ?? Number.NaN,
      proxy: proxy?.turnsPerSecond ?? Number.NaN,
      ratio: parley && proxy ? parley.turnsPerSecond / proxy.turnsPerSecond : Number.NaN,
      addedP50: parley ? added(levels, parley, 50) : Number.NaN,
      addedP99: parley ? added(levels, parley, 99) : Number.NaN,
    };
  });
}

/** "median (min–max over N rounds)" when there were rounds, else the one value. */
function spread(values: number[], digits = 1): string {
  const known = values.filter(Number.isFinite);
  if (known.length <= 1) return fmt(known[0] ?? Number.NaN, digits);
  return `${fmt(median(known), digits)} (${fmt(Math.min(...known), digits)}–${fmt(Math.max(...known), digits)} over ${known.length} rounds)`;
}

export function ttftSeries(levels: LevelRun[]): ChartSeries[] {
  return CHART_SERVERS.flatMap((server) => {
    const runs = levels.filter((run) => run.server === server);
    if (runs.length === 0) return [];
    return [
      {
        name: LABELS[server],
        points: runs.map((run) => ({ concurrency: run.concurrency, p50: ttft(run, 50), p99: ttft(run, 99) })),
      },
    ];
  });
}

function resultsTable(levels: LevelRun[]): string {
  const header = line([
    'server',
    'concurrent',
    'TTFT p50 / p99 (ms)',
    '**added** p50 / p99 (ms)',
    'turn p50 / p99 (s)',
    'token gap p50 / p99 (ms)',
    'turns/s',
    'errors',
    'event-loop p99 (ms)',
    'CPU ms / turn',
    'RSS (MiB)',
    'machine CPU: busy (server / stub / load gen), % of one CPU',
  ]);
  const rows = levels.map((run) => {
    const turns = sorted(run.load.turnMs);
    const errors = errorCount(run);
    const m = run.machine;
    return line([
      labelOf(run),
      String(run.concurrency),
      `${atLeast(run)}${fmt(ttft(run, 50))} / ${atLeast(run)}${fmt(ttft(run, 99))}`,
      run.server === 'direct'
        ? '(baseline)'
        : [50, 99]
            .map(
              (p) =>
                (Number.isFinite(added(levels, run, p)) ? atLeast(run) : '') + fmt(added(levels, run, p)),
            )
            .join(' / '),
      `${fmt(percentile(turns, 50) / 1000, 2)} / ${fmt(percentile(turns, 99) / 1000, 2)}`,
      `${fmt(run.load.gapMs.p50)} / ${fmt(run.load.gapMs.p99)}`,
      fmt(run.turnsPerSecond),
      errors === 0 ? '0' : `**${errors}**`,
      run.eventLoop ? fmt(run.eventLoop.p99Ms) : 'n/a',
      fmt(run.cpuPerTurnMs),
      fmt(run.rssBytes / MiB, 0),
      `${fmt(m.busyPct, 0)} (${fmt(m.serverPct, 0)} / ${fmt(m.stubPct, 0)} / ${fmt(m.generatorPct, 0)})`,
    ]);
  });
  return [header, line(Array(12).fill('---')), ...rows].join('\n');
}

interface Goal {
  goal: string;
  measured: string;
  pass: boolean | undefined;
}

const verdict = (pass: boolean | undefined) =>
  pass === undefined ? 'not measured' : pass ? '**PASS**' : '**FAIL**';

/** Figures where lower is better, and turns/s where higher is: Parley against LangChain, level by level. */
function versusLangChain(levels: LevelRun[]): Goal {
  const behind: string[] = [];
  let compared = 0;
  for (const run of levels.filter((r) => r.server === 'parley')) {
    const reference = find(levels, 'langchain', run.concurrency);
    if (!reference) continue;
    compared++;
    const figures: [string, number, number, boolean][] = [
      ['TTFT p50', ttft(run, 50), ttft(reference, 50), false],
      ['TTFT p99', ttft(run, 99), ttft(reference, 99), false],
      ['turns/s', run.turnsPerSecond, reference.turnsPerSecond, true],
      ['errors', errorCount(run), errorCount(reference), false],
      ['event-loop p99', run.eventLoop?.p99Ms ?? Number.NaN, reference.eventLoop?.p99Ms ?? Number.NaN, false],
      ['CPU/turn', run.cpuPerTurnMs, reference.cpuPerTurnMs, false],
      ['RSS', run.rssBytes, reference.rssBytes, false],
    ];
    for (const [name, ours, theirs, higherIsBetter] of figures) {
      const ahead = higherIsBetter ? ours >= theirs : ours <= theirs;
      if (!ahead) behind.push(`${name} at ${run.concurrency}`);
    }
  }
  return {
    goal: 'Parley (embedded) ahead of the LangChain.js reference on every figure, at every level',
    measured:
      compared === 0 ? 'n/a' : behind.length === 0 ? 'ahead on all' : `behind on: ${behind.join(', ')}`,
    pass: compared === 0 ? undefined : behind.length === 0,
  };
}

function goals(levels: LevelRun[], soak: SoakRun | undefined): Goal[] {
  const result: Goal[] = [];
  // With --rounds, each figure is the median over the rounds (each round's Parley against the same round's proxy and stub).
  for (const [concurrency, least] of [
    [100, 0.8],
    [500, 0.6],
  ] as const) {
    const rounds = versusProxy(levels, concurrency);
    const ratio = median(rounds.map((r) => r.ratio));
    result.push({
      goal: `at ${concurrency} concurrent, Parley throughput ≥ ${least} × bare proxy`,
      measured: `${spread(rounds.map((r) => r.parley))} vs ${spread(rounds.map((r) => r.proxy))} turns/s = ${spread(
        rounds.map((r) => r.ratio),
        2,
      )}×`,
      pass: Number.isFinite(ratio) ? ratio >= least : undefined,
    });
  }
  const at100 = versusProxy(levels, 100);
  for (const [p, limit] of [
    [50, 10],
    [99, 50],
  ] as const) {
    const values = at100.map((r) => (p === 50 ? r.addedP50 : r.addedP99));
    const value = median(values);
    result.push({
      goal: `at 100 concurrent, added time to first token p${p} ≤ ${limit} ms`,
      measured: `${spread(values)} ms`,
      pass: Number.isFinite(value) ? value <= limit : undefined,
    });
  }
  for (const server of ['parley', 'parley-pg'] as const) {
    const runs = levels.filter((run) => run.server === server && run.concurrency === 500);
    const errors = runs.reduce((sum, run) => sum + errorCount(run), 0);
    const started = runs.reduce((sum, run) => sum + run.load.turnsStarted, 0);
    result.push({
      goal: `at 500 concurrent, zero errors (${LABELS[server]})`,
      measured: runs.length ? `${errors} errors in ${started} turns` : 'n/a',
      pass: runs.length ? errors === 0 : undefined,
    });
    const delays = runs.flatMap((run) => (run.eventLoop ? [run.eventLoop.p99Ms] : []));
    result.push({
      goal: `at 500 concurrent, event-loop delay p99 ≤ 50 ms (${LABELS[server]})`,
      measured: delays.length ? `${spread(delays)} ms` : 'n/a',
      pass: delays.length ? median(delays) <= 50 : undefined,
    });
  }
  result.push(versusLangChain(levels));
  const growth = soak ? soakGrowth(soak) : undefined;
  result.push({
    goal: 'soak: RSS growth after warm-up < 10 %',
    measured: growth ? `${fmt(growth.pct)} % (${fmt(growth.from, 0)} → ${fmt(growth.to, 0)} MiB)` : 'n/a',
    pass: growth ? growth.pct < 10 : undefined,
  });
  const overhead = telemetryOverhead(levels);
  result.push({
    goal: 'tracing, metrics and logging together cost < 3 % of a turn’s CPU time',
    measured: overhead
      ? `${fmt(overhead.pct)} % (${fmt(overhead.on)} vs ${fmt(overhead.off)} ms/turn)`
      : 'n/a',
    pass: overhead ? overhead.pct < 3 : undefined,
  });
  return result;
}

/** CPU per turn with telemetry off and on: the mean of each mode's windows (they alternate). */
function telemetryOverhead(
  levels: LevelRun[],
): { on: number; off: number; pct: number; windows: { off: number[]; on: number[] } } | undefined {
  const of = (mode: 'on' | 'off') =>
    levels.filter((run) => run.server === `parley telemetry ${mode}`).map((run) => run.cpuPerTurnMs);
  const windows = { off: of('off'), on: of('on') };
  if (windows.on.length === 0 || windows.off.length === 0) return undefined;
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const on = mean(windows.on);
  const off = mean(windows.off);
  return { on, off, pct: (100 * (on - off)) / on, windows };
}

/** RSS over the first and the last minute after warm-up (mean of the samples in each). */
function soakGrowth(soak: SoakRun): { from: number; to: number; pct: number } | undefined {
  const after = soak.samples.filter((s) => s.elapsedS > soak.warmupS);
  if (after.length < 2) return undefined;
  const span = Math.min(60, (after.at(-1)!.elapsedS - after[0]!.elapsedS) / 2);
  const mean = (list: typeof after) => list.reduce((sum, s) => sum + s.rssMiB, 0) / list.length;
  const from = mean(after.filter((s) => s.elapsedS <= after[0]!.elapsedS + span));
  const to = mean(after.filter((s) => s.elapsedS >= after.at(-1)!.elapsedS - span));
  return { from, to, pct: (100 * (to - from)) / from };
}

function soakSection(soak: SoakRun): string {
  const growth = soakGrowth(soak);
  const run = soak.level;
  const rows = [
    line(['', 'before (idle, 40 s after start-up)', 'after (idle, 40 s after the load)']),
    line(['---', '---', '---']),
    line(['open descriptors', String(soak.before.fds), String(soak.after.fds)]),
    line(['of which sockets', String(soak.before.sockets), String(soak.after.sockets)]),
    line([
      'TCP connections on the server port (established / other)',
      `${soak.before.tcp.established} / ${soak.before.tcp.other}`,
      `${soak.after.tcp.established} / ${soak.after.tcp.other}`,
    ]),
  ];
  const series = soak.samples
    .map(
      (s) =>
        `${fmt(s.elapsedS, 0)} s: ${fmt(s.rssMiB, 0)}` +
        (s.heapMiB === undefined ? '' : ` (${fmt(s.heapMiB, 0)} / ${fmt(s.externalMiB ?? 0, 0)})`) +
        (s.dbWasmMiB === undefined ? '' : ` [${fmt(s.dbHeapMiB ?? 0, 0)} / ${fmt(s.dbWasmMiB, 0)}]`),
    )
    .join(', ');
  return [
    `## Soak: ${LABELS.parley} at ${run.concurrency} concurrent for ${soak.minutes} minutes`,
    '',
    `Warm-up ${fmt(soak.warmupS, 0)} s, then ${fmt(run.wallMs / 1000, 0)} s measured: ${fmt(run.turnsPerSecond)} turns/s, ` +
      `${errorCount(run)} errors in ${run.load.turnsStarted} turns, TTFT p50 / p99 ${fmt(ttft(run, 50))} / ${fmt(ttft(run, 99))} ms, ` +
      `event-loop p99 ${run.eventLoop ? fmt(run.eventLoop.p99Ms) : 'n/a'} ms, CPU ${fmt(run.cpuPerTurnMs)} ms/turn, ` +
      `peak RSS ${fmt(run.hwmBytes / MiB, 0)} MiB. RSS growth after warm-up (mean of the first minute vs the last): ` +
      `**${growth ? `${fmt(growth.pct)} %` : 'n/a'}**.`,
    '',
    ...rows,
    '',
    `RSS (MiB) over time, with the HTTP thread's JS heap used / external memory in brackets and the embedded ` +
      `database thread's JS heap / WebAssembly memory in square brackets: ${series}.`,
    '',
    ...soakIntervals(soak),
  ].join('\n');
}

/** The soak interval by interval: does a turn cost more the longer the server runs, and where? */
function soakIntervals(soak: SoakRun): string[] {
  const readings = soak.counters ?? [];
  if (readings.length < 2) return [];
  const intervals = readings.slice(1).map((to, i) => ({
    from: readings[i]!.elapsedS,
    to: to.elapsedS,
    ...counterInterval(readings[i]!, to),
  }));
  // Threads that took at least 2 % of the CPU over the whole soak, the rest as one column.
  const whole = counterInterval(readings[0]!, readings.at(-1)!);
  const total = Object.values(whole.cpuMsPerTurn).reduce((sum, ms) => sum + ms, 0);
  const threads = Object.entries(whole.cpuMsPerTurn)
    .filter(([, ms]) => ms >= 0.02 * total)
    .sort((a, b) => b[1] - a[1])
    .map(([name]) => name);
  const stages = Object.keys(whole.stageMsPerTurn).sort();
  const header = [
    'interval (s)',
    'turns/s',
    'CPU ms/turn',
    ...threads.map((name) => `${name} ms`),
    'other threads ms',
    'GC minor / major ms',
    ...stages.map((stage) => `${stage} ms`),
  ];
  const rows = intervals.map((interval) => {
    const cpu = Object.values(interval.cpuMsPerTurn).reduce((sum, ms) => sum + ms, 0);
    const named = threads.reduce((sum, name) => sum + (interval.cpuMsPerTurn[name] ?? 0), 0);
    return line([
      `${fmt(interval.from, 0)}–${fmt(interval.to, 0)}`,
      fmt(interval.turns / (interval.to - interval.from)),
      fmt(cpu, 2),
      ...threads.map((name) => fmt(interval.cpuMsPerTurn[name] ?? 0, 2)),
      fmt(cpu - named, 2),
      `${fmt(interval.gcMsPerTurn.minor ?? 0, 2)} / ${fmt(interval.gcMsPerTurn.major ?? 0, 2)}`,
      ...stages.map((stage) => fmt(interval.stageMsPerTurn[stage] ?? 0, 1)),
    ]);
  });
  return [
    "Interval by interval (per turn: CPU by thread, from /proc; GC and the turn stages, from Parley's /metrics; " +
      'stage times are latency, not CPU):',
    '',
    line(header),
    line(header.map(() => '---')),
    ...rows,
    '',
  ];
}

function notesSection(levels: LevelRun[], context: LoadReportContext): string {
  const rows = levels.map((run) => {
    const modes = Object.entries(run.load.modes)
      .map(([mode, n]) => `${n} ${mode}`)
      .join(', ');
    const errors = Object.entries(run.load.errors)
      .map(([kind, n]) => `${n}× ${kind}`)
      .join('; ');
    const byTurn = run.load.ttftP50ByTurn.map((ms) => fmt(ms)).join(' / ');
    const gc = run.eventLoop?.gc;
    const firstEvent = sorted(run.load.firstEventMs ?? []);
    const wait = run.machine.waitPct;
    return line([
      labelOf(run),
      String(run.concurrency),
      `${run.load.turnsStarted} started, ${run.load.turnsOk} ok${modes ? ` (${modes})` : ''}`,
      errors || '—',
      byTurn,
      firstEvent.length ? `${fmt(percentile(firstEvent, 50))} / ${fmt(percentile(firstEvent, 99))}` : 'n/a',
      wait ? `${fmt(wait.server, 0)} / ${fmt(wait.stub, 0)} / ${fmt(wait.generator, 0)}` : 'n/a',
      Number.isFinite(run.mainCpuPerTurnMs ?? Number.NaN)
        ? `${fmt(run.mainCpuPerTurnMs!)} / ${fmt(run.cpuPerTurnMs - run.mainCpuPerTurnMs!)}`
        : 'n/a',
      run.eventLoop ? `${fmt(run.eventLoop.p50Ms)} / ${fmt(run.eventLoop.maxMs)}` : 'n/a',
      gc ? `${gc.count}, ${fmt(gc.totalMs, 0)} ms, max ${fmt(gc.maxMs)}` : 'n/a',
      fmt(run.hwmBytes / MiB, 0),
      fmt(run.load.clientLoopP99Ms),
      run.load.inFlightAtEnd
        ? `${run.load.inFlightAtEnd.total} (${run.load.inFlightAtEnd.startedBeforeWindow}; ${fmt(run.load.inFlightAtEnd.oldestMs / 1000)} s)`
        : 'n/a',
    ]);
  });
  return [
    '## Details',
    '',
    line([
      'server',
      'concurrent',
      'turns in the window (answer modes)',
      'errors',
      'TTFT p50 by turn of the conversation (ms)',
      'first event p50 / p99 (ms)',
      'waiting for a CPU: server / stub / load gen, % of the window',
      'CPU ms / turn: main thread / other threads',
      'event-loop p50 / max (ms)',
      'GC pauses: count, total, max',
      'peak RSS (MiB)',
      'load generator event-loop p99 (ms)',
      'in flight as the window closed (of them sent before it opened; the oldest waiting)',
    ]),
    line(Array(13).fill('---')),
    ...rows,
    '',
    ...levels
      .filter((run) => (run.load.inFlightAtEnd?.startedBeforeWindow ?? 0) > 0)
      .map(
        (run) =>
          `${LABELS[run.server]} at ${run.concurrency}: ${run.load.inFlightAtEnd.startedBeforeWindow} turns sent ` +
          `before the window opened were still unanswered when it closed (the oldest after ` +
          `${fmt(run.load.inFlightAtEnd.oldestMs / 1000)} s): users kept waiting the whole window, in no TTFT ` +
          `or turn figure above (those count the turns started in the window).\n`,
      ),
    ...context.parleyProblems.map(
      (p) =>
        `Parley (${p.name}) log lines at warn / error while measured: ${p.warn} / ${p.error}` +
        (p.last.length ? `; last: ${p.last.map((l) => `\`${l.slice(0, 300)}\``).join(' ')}\n` : '.\n'),
    ),
  ].join('\n');
}

export function loadReport(
  levels: LevelRun[],
  soak: SoakRun | undefined,
  context: LoadReportContext,
): string {
  const env = Object.entries(context.parleyEnv)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  const goalRows = goals(levels, soak).map((g) => line([g.goal, g.measured, verdict(g.pass)]));
  const overhead = telemetryOverhead(levels);
  const cpus = os.cpus();
  return [
    '# Load benchmark: Parley, a bare proxy and a LangChain.js reference on one stub model',
    '',
    `Run ${new Date().toISOString()} · commit ${commitLine()} · Node ${process.version} · ${cpus.length} CPUs ` +
      `(${cpus[0]?.model ?? '?'}), shared with other work (load average at the end ${os
        .loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')}) · ` +
      `\`npm run build && ${context.command}\``,
    '',
    `Stub model (OpenAI Chat Completions, its own process): first token after ${context.firstTokenMs} ms, then one every ` +
      `${context.tokenMs} ms, ${context.replyTokens} tokens. Load generator (its own process, node:http, no socket limit): ` +
      `closed loop, each virtual user holds a conversation of ${context.turns} turns (questions from ` +
      `\`examples/eval/fastify-questions.jsonl\`), then starts another; think time ${context.thinkMs} ms. ` +
      `Per level: ${context.warmupS} s warm-up (users ramp up over one reply), then ${context.durationS} s measured. ` +
      `Parley: \`parley serve --docs ../shared/data/fastify-docs\`, keyword (BM25) retrieval, default settings except ${env || 'none'} ` +
      '(request rate limits off: a closed loop of hundreds of users from one address and one key would hit the default 600/min); ' +
      'logs (info) to a pipe the bench reads; an API key on every request.',
    '',
    'TTFT: request start → first token. **Added** = the server’s TTFT percentile − the stub’s, called directly at the same ' +
      'concurrency in this run. Turns/s: turns that ended inside the window. CPU ms / turn: the server process’s CPU time ' +
      '(all threads, /proc/<pid>/stat) over the window ÷ those turns (for PostgreSQL + Redis, the database’s and Redis’s own CPU ' +
      'is not included). Event-loop delay: the server’s main thread, `monitorEventLoopDelay` at 10 ms resolution (an idle loop reads ~10 ms). ' +
      'Only answers the model generated count in TTFT (Parley answers `not_found` without a model call when nothing relevant is retrieved). ' +
      'TTFT counts the turns started in the window, and also the users still waiting as it closed for a first token to a turn sent ' +
      'before it opened, at how long they had waited by then (a lower bound): such percentiles are marked ≥ (a server that leaves ' +
      'users waiting the whole window would otherwise be judged on the others alone).',
    '',
    '## Goals (reported, not asserted)',
    '',
    line(['goal', 'measured', 'verdict']),
    line(['---', '---', '---']),
    ...goalRows,
    '',
    '## Results',
    '',
    resultsTable(levels),
    '',
    ...(overhead
      ? [
          '## Telemetry overhead',
          '',
          `Parley embedded at ${levels.find((r) => r.server === 'parley telemetry on')?.concurrency} concurrent, restarted on the same data with ` +
            `\`PARLEY_TELEMETRY=off\` (no tracing, metrics recording or request logging) and with telemetry on, alternately ` +
            `(${overhead.windows.on.length} windows each, off: ${overhead.windows.off.map((v) => fmt(v)).join(', ')}; ` +
            `on: ${overhead.windows.on.map((v) => fmt(v)).join(', ')} ms/turn): ` +
            `**${fmt(overhead.off)} → ${fmt(overhead.on)} CPU ms per turn (means), ${fmt(overhead.pct)} %** of a turn’s CPU time.`,
          '',
        ]
      : []),
    ...(soak ? [soakSection(soak)] : []),
    notesSection(levels, context),
    ...context.notes.map((note) => `${note}\n`),
    ...(context.profile ? ['## CPU profile of Parley', '', context.profile] : []),
  ].join('\n');
}
