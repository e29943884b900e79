// What a running Parley has done so far, read at one instant, for the soak's per-interval rows:
// turns and where their time went (its /metrics), garbage collection (its /metrics, from
// prom-client's default metrics) and CPU per thread (/proc/<pid>/task). Two readings subtracted
// give one interval: whether a turn costs more the longer the server runs, and in which thread
// and stage the extra time goes.
import { readdirSync, readFileSync } from 'node:fs';
import type { ParleyTarget } from './parley-process.js';

/** The operator's metrics token the benchmarks start Parley with (PARLEY_METRICS_TOKEN). */
export const BENCH_METRICS_TOKEN = 'parley-bench-metrics';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

export interface ServerCounters {
  turns: number;
  /** Seconds spent in garbage collection, by kind (minor, major, incremental, weakcb). */
  gcSeconds: Record<string, number>;
  /** Sum of each turn stage's durations, in seconds (parley_turn_stage_duration_seconds). */
  stageSeconds: Record<string, number>;
  /** CPU time by thread name (threads of the same name summed), in ms. */
  threadCpuMs: Record<string, number>;
  /** The embedded database thread's JS heap and WebAssembly memory (parley_embedded_db_memory_bytes), in bytes. */
  dbMemory?: { heap: number; wasm: number };
}

/** Sums of a metric's samples by one label (every other label summed over). */
function sumsBy(text: string, metric: string, label: string | undefined): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const match = /^(\S+?)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!match || match[1] !== metric) continue;
    const key = label ? (new RegExp(`${label}="([^"]*)"`).exec(match[2] ?? '')?.[1] ?? '') : '';
    sums[key] = (sums[key] ?? 0) + Number(match[3]);
  }
  return sums;
}

/** CPU time of each thread of a process, by its name (`comm`), in ms. */
export function threadCpuMs(pid: number): Record<string, number> {
  const byName: Record<string, number> = {};
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      // The main thread is the one whose id is the process's.
      const key = tid === String(pid) ? 'main' : name;
      byName[key] = (byName[key] ?? 0) + ms;
    } catch {
      // the thread ended while we looked
    }
  }
  return byName;
}

export async function readServerCounters(
  parley: Pick<ParleyTarget, 'baseUrl'>,
  pid: number,
): Promise<ServerCounters> {
  const response = await fetch(`${parley.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` },
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  const text = await response.text();
  const db = sumsBy(text, 'parley_embedded_db_memory_bytes', 'kind');
  return {
    ...(db.heap !== undefined && db.wasm !== undefined ? { dbMemory: { heap: db.heap, wasm: db.wasm } } : {}),
    turns: sumsBy(text, 'parley_turns_total', undefined)[''] ?? 0,
    gcSeconds: sumsBy(text, 'parley_nodejs_gc_duration_seconds_sum', 'kind'),
    stageSeconds: sumsBy(text, 'parley_turn_stage_duration_seconds_sum', 'stage'),
    threadCpuMs: threadCpuMs(pid),
  };
}

/** One interval between two readings, per turn: CPU by thread, GC by kind and stage time, in ms. */
export interface CounterInterval {
  turns: number;
  cpuMsPerTurn: Record<string, number>;
  gcMsPerTurn: Record<string, number>;
  stageMsPerTurn: Record<string, number>;
}

export function counterInterval(from: ServerCounters, to: ServerCounters): CounterInterval {
  const turns = to.turns - from.turns;
  const perTurn = (a: Record<string, number>, b: Record<string, number>, scale: number) =>
    Object.fromEntries(
      Object.keys(b).map((key) => [
        key,
        turns > 0 ? ((b[key]! - (a[key] ?? 0)) * scale) / turns : Number.NaN,
      ]),
    );
  return {
    turns,
    cpuMsPerTurn: perTurn(from.threadCpuMs, to.threadCpuMs, 1),
    gcMsPerTurn: perTurn(from.gcSeconds, to.gcSeconds, 1000),
    stageMsPerTurn: perTurn(from.stageSeconds, to.stageSeconds, 1000),
  };
}
