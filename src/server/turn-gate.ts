// Admission of turns: at most PARLEY_MAX_ACTIVE_TURNS are answered at once; the others wait in
// line, first come first served, until a place frees up (or, after PARLEY_TURN_QUEUE_SECONDS,
// get a 503 with Retry-After). 0 (the default) admits every turn at once. A bound protects what
// the deployment cannot stretch: a provider account's concurrent requests, the memory of many
// open streams.
// A second bound keeps memory finite when the database stores turns more slowly than they are
// answered: each finished turn waits in memory (its messages, trace and prompt) until the
// write-behind queue stores it, so with no bound a database that falls behind grows the process
// without end (measured: 1.4 GB more in 8 minutes at 94 turns/s, `git show
// 586dde0:bench/results/load.md`). New turns are admitted only while the turns being answered
// plus the writes not yet done stay under PARLEY_MAX_PENDING_WRITES; past it they wait in the
// same line, and the answer rate settles at what the database can store.
// (A bound that adapted to the event loop's delay was tried and measured: fewer streams at once
// cost more CPU per token, since tokens no longer arrive and leave in batches, so throughput at
// 100 concurrent fell to 0.31x the bare proxy's; bench/results/load-gate.md.)

import { Gauge, type Registry } from 'prom-client';
import { ParleyError } from '../errors/index.js';

export interface TurnGateOptions {
  /** Turns answered at once; 0: no bound. */
  maxActive: number;
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
  /** 0: no bound. */
  limit: number;
  pendingWrites: number;
}

interface Waiter {
  admit: () => void;
}

export class TurnGate {
  private active = 0;
  private readonly limit: number;
  private readonly writeLimit: number;
  private readonly pendingWrites: () => number;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly options: TurnGateOptions) {
    this.limit = options.maxActive > 0 ? options.maxActive : Number.POSITIVE_INFINITY;
    this.pendingWrites = options.pendingWrites ?? (() => 0);
    this.writeLimit = options.maxPendingWrites || Number.POSITIVE_INFINITY;
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
      limit: this.options.maxActive,
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
      'Turns answered at once before others wait (0: no bound)',
      () => this.options.maxActive,
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

function overloaded(retryAfterSeconds: number): ParleyError {
  return new ParleyError(
    'PARLEY_ERR_OVERLOADED',
    'the server is answering as many conversations as it can; try again shortly',
    { isRetryable: true, headers: { 'retry-after': String(retryAfterSeconds) } },
  );
}
