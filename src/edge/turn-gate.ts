// Admission of turns: at most a limit of turns are answered at once; the others wait in line,
// first come first served, until a place frees up (or, after PARLEY_TURN_QUEUE_SECONDS, get a 503
// with Retry-After). Waiting turns cost nothing but their socket: retrieval, the model call and
// every token come after admission.
//
// The limit adapts to the HTTP thread's load. Each second, the event loop's delay p99 is read
// and smoothed (each second counts half); when it is over PARLEY_TURN_GATE_DELAY_MS (150) and the
// loop was busy, and the thread on a CPU, at least 80 % of the second, the limit drops to 90 % of
// the turns being answered; under half the target (or with the thread on a CPU under 60 % of the
// second), it grows by 10 % and waiting turns come in. So under more conversations
// than the machine can stream, turns queue instead of every stream (and every health check,
// metrics scrape and new request) slowing down together (the measured effect is in
// docs/benchmarks.md, Load). Delay alone is not enough: a garbage-collection pause or one long
// task delays an idle loop too, and cutting turns for it only slows answers (an earlier bound
// driven by delay alone lost most of the throughput: bench/results/load-gate.md); hence the
// utilization condition and the smoothing.
// PARLEY_MAX_ACTIVE_TURNS is a fixed ceiling above it (0: none), for what the deployment cannot
// stretch: a provider account's concurrent requests, the memory of many open streams.
//
// A second bound keeps memory finite when the database stores turns more slowly than they are
// answered: each finished turn waits in memory (its messages, trace and prompt) until the
// background writes store it, so with no bound a database that falls behind grows the process
// without end (docs/benchmarks.md). New turns are admitted only while the turns being answered
// plus the writes not yet done stay under PARLEY_MAX_PENDING_WRITES; past it they wait in the
// same line, and the answer rate settles at what the database can store.

import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';
import { ParleyError } from '../errors/index.js';

export interface LoopSample {
  /** p99 of the event loop's delay over the interval (ms). */
  delayMs: number;
  /** Share of the interval the event loop was busy (0-1). */
  utilization: number;
  /**
   * Share of the interval this thread ran on a CPU (0-1); absent where it cannot be read. The
   * loop counts as busy while it waits for a CPU that other programs hold, so utilization alone
   * reads a crowded host as load of our own.
   */
  cpu?: number;
}

export interface AdaptiveLimitOptions {
  /** Event-loop delay p99 (ms) of an interval above which fewer turns are admitted; 0: off. */
  targetDelayMs: number;
  /**
   * ...when the loop was also busy at least this share of the interval (default 0.8): delay that
   * comes with an idle loop (a pause, one long task) is not load that fewer turns would remove.
   */
  minUtilization?: number;
  /** The fewest turns the limit goes down to (default 16). */
  minActive?: number;
  /** How often the limit is adjusted (ms, default 1000); 0: only when `adapt()` is called. */
  intervalMs?: number;
  /** The loop's delay and utilization since the previous call (default: this thread's). */
  sample?: () => LoopSample;
}

export interface TurnGateOptions {
  /** Turns answered at once at most, whatever the adaptive limit says; 0: no ceiling. */
  maxActive: number;
  /** A limit that follows the event loop's load; absent: the ceiling alone. */
  adaptive?: AdaptiveLimitOptions;
  /** Longest wait in line before a 503 (ms). */
  queueTimeoutMs: number;
  /** Most requests waiting in line; beyond it, 503 at once. */
  maxWaiting?: number;
  /** Background writes not done yet (the write-behind queue); read at each admission. */
  pendingWrites?: () => number;
  /** Turns being answered plus pending writes at which new turns wait; 0: no bound. */
  maxPendingWrites?: number;
}

export interface TurnGateState {
  active: number;
  waiting: number;
  /** The limit now (the adaptive one when there is one); 0: no bound. */
  limit: number;
  pendingWrites: number;
}

interface Waiter {
  admit: () => void;
}

export class TurnGate {
  private active = 0;
  private readonly ceiling: number;
  private limit: number;
  private readonly writeLimit: number;
  private readonly pendingWrites: () => number;
  private readonly waiting: Waiter[] = [];
  private readonly sample: (() => LoopSample) | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly stopSampling: (() => void) | undefined;
  private smoothedDelayMs = 0;

  constructor(private readonly options: TurnGateOptions) {
    this.ceiling = options.maxActive > 0 ? options.maxActive : Number.POSITIVE_INFINITY;
    this.limit = this.ceiling;
    this.pendingWrites = options.pendingWrites ?? (() => 0);
    this.writeLimit = options.maxPendingWrites || Number.POSITIVE_INFINITY;
    const adaptive = options.adaptive;
    if (adaptive && adaptive.targetDelayMs > 0) {
      if (adaptive.sample) this.sample = adaptive.sample;
      else {
        const sampler = eventLoopSampler();
        this.sample = sampler.sample;
        this.stopSampling = sampler.stop;
      }
      const intervalMs = adaptive.intervalMs ?? 1_000;
      if (intervalMs > 0) this.timer = setInterval(() => this.adapt(), intervalMs).unref();
    }
  }

  /**
   * Adjusts the adaptive limit to the interval just ended (every interval on a timer; tests call
   * it directly). The delay is smoothed over intervals (each counts half), so that one second's
   * burst, as when many conversations start together, does not cut what the loop can carry.
   * Delayed beyond the target with a busy loop: 90 % of the turns in progress (the limit may be
   * far above them). Under half the target: 10 % more, and waiting turns come in (with none
   * waiting, the limit relaxes, so a later burst does not start from the bottom).
   */
  adapt(): void {
    const adaptive = this.options.adaptive;
    if (!this.sample || !adaptive) return;
    const { delayMs, utilization, cpu } = this.sample();
    this.smoothedDelayMs = (this.smoothedDelayMs + delayMs) / 2;
    const floor = Math.min(adaptive.minActive ?? 16, this.ceiling);
    // Busy is the loop at work and this thread on a CPU: on a host whose cores other programs
    // hold, the loop is late and "busy" waiting for its turn, and fewer turns would not make it
    // earlier (measured: the limit fell to its floor with the thread on a CPU a fifth of the time,
    // docs/benchmarks.md "The turn gate on a crowded host").
    const ran = cpu === undefined ? utilization : Math.min(utilization, cpu);
    const minRan = adaptive.minUtilization ?? 0.8;
    if (this.smoothedDelayMs > adaptive.targetDelayMs && ran >= minRan) {
      this.limit = Math.max(floor, Math.floor(Math.min(this.limit, this.active) * 0.9));
    } else if (
      (this.smoothedDelayMs < adaptive.targetDelayMs / 2 || ran < minRan * 0.75) &&
      this.limit < this.ceiling
    ) {
      // Room: the loop is on time, or this thread computes well under the busy share (whatever
      // delays it is not the turns it answers).
      this.limit = Math.min(this.ceiling, this.limit + Math.max(1, Math.ceil(this.limit * 0.1)));
      if (this.limit > 100_000) this.limit = this.ceiling;
      this.admitWaiting();
    }
  }

  /** Stops adapting the limit. */
  close(): void {
    clearInterval(this.timer);
    this.stopSampling?.();
  }

  /** Admits waiting turns that now fit (called when a background write has finished). */
  recheck(): void {
    this.admitWaiting();
  }

  /**
   * Waits for a place (at once when there is one); returns the function that frees it (call it
   * exactly once, when the turn has ended). Rejects with 503 after the queue timeout, or with the
   * signal's reason when the client leaves while waiting.
   */
  async enter(signal?: AbortSignal): Promise<() => void> {
    if (this.waiting.length === 0 && this.hasRoom()) return this.take();
    if (this.waiting.length >= (this.options.maxWaiting ?? 10_000)) throw overloaded(1);
    signal?.throwIfAborted();
    return new Promise<() => void>((resolve, reject) => {
      const waiter: Waiter = {
        // The place is taken as the waiter is admitted, so no newcomer slips in before it runs.
        admit: () => {
          cleanUp();
          resolve(this.take());
        },
      };
      const leave = (error: unknown) => {
        const index = this.waiting.indexOf(waiter);
        if (index < 0) return;
        this.waiting.splice(index, 1);
        cleanUp();
        reject(error);
      };
      const timeout = setTimeout(
        () => leave(overloaded(Math.max(1, Math.ceil(this.options.queueTimeoutMs / 2_000)))),
        this.options.queueTimeoutMs,
      );
      const onAbort = () => leave(signal?.reason ?? new Error('client left while waiting'));
      const cleanUp = () => {
        clearTimeout(timeout);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  state(): TurnGateState {
    return {
      active: this.active,
      waiting: this.waiting.length,
      limit: Number.isFinite(this.limit) ? this.limit : 0,
      pendingWrites: this.pendingWrites(),
    };
  }

  /** parley_turns_active, parley_turns_waiting, parley_pending_writes and parley_turn_limit, read at each scrape. */
  registerMetrics(registry: Registry): void {
    const read = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(value());
        },
      });
    read('parley_turns_active', 'Turns being answered now', () => this.active);
    read(
      'parley_turns_waiting',
      'Turns waiting in line for a place (the turn gate)',
      () => this.waiting.length,
    );
    read(
      'parley_pending_writes',
      'Background writes (turns, usage, summaries) not done yet; new turns wait when these and the active turns reach PARLEY_MAX_PENDING_WRITES',
      () => this.pendingWrites(),
    );
    read(
      'parley_turn_limit',
      'Turns answered at once before others wait, as the adaptive limit has it now (0: no bound)',
      () => (Number.isFinite(this.limit) ? this.limit : 0),
    );
  }

  private take(): () => void {
    this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.admitWaiting();
    };
  }

  private hasRoom(): boolean {
    if (this.active >= this.limit) return false;
    // Each turn admitted will leave writes behind: it counts against the bound from the start.
    return this.active + this.pendingWrites() < this.writeLimit;
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.hasRoom()) this.waiting.shift()!.admit();
  }
}

/** This thread's event-loop delay p99, utilization and CPU share since the previous call. */
export function eventLoopSampler(): { sample: () => LoopSample; stop: () => void } {
  const resolutionMs = 10;
  const delay = monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();
  let previous = performance.eventLoopUtilization();
  let previousCpuMs = threadCpuMs();
  let previousAt = performance.now();
  const sample = () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, previous);
    previous = now;
    const cpuMs = threadCpuMs();
    const at = performance.now();
    const cpu =
      cpuMs === undefined || previousCpuMs === undefined || at <= previousAt
        ? undefined
        : Math.min(1, (cpuMs - previousCpuMs) / (at - previousAt));
    previousCpuMs = cpuMs;
    previousAt = at;
    // The histogram counts the sampling interval in every reading: an idle loop reads ~10 ms.
    const delayMs = delay.count > 0 ? Math.max(0, delay.percentile(99) / 1e6 - resolutionMs) : 0;
    delay.reset();
    return { delayMs, utilization, ...(cpu === undefined ? {} : { cpu }) };
  };
  return { sample, stop: () => delay.disable() };
}

/**
 * CPU time this thread has run (ms), or undefined where it cannot be read. Node 20 has no
 * per-thread figure (process.threadCpuUsage came in 23.9) and process.cpuUsage() adds the
 * database, garbage-collector and pool threads, so on Linux it is read from procfs: utime and
 * stime of /proc/thread-self/stat, in clock ticks of 10 ms (USER_HZ is 100 on every Linux ABI
 * Node supports). Read once a second: a few microseconds from an in-memory file.
 */
export function threadCpuMs(): number | undefined {
  const usage = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  if (usage) {
    const { user, system } = usage.call(process);
    return (user + system) / 1_000;
  }
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    // The fields after the command name, which may hold spaces, closed by the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function overloaded(retryAfterSeconds: number): ParleyError {
  return new ParleyError(
    'PARLEY_ERR_OVERLOADED',
    'the server is answering as many conversations as it can; try again shortly',
    { isRetryable: true, headers: { 'retry-after': String(retryAfterSeconds) } },
  );
}
