// The one wrapper every piece of background work runs in: work done after the response (a turn's
// messages, trace and usage row, its accounting against limits and budgets, a budget webhook), and
// sweeps on a timer (trace retention). Each task is tracked until it is done, retried with backoff
// when asked, logged and counted when it fails for good, and drained before the process exits on a
// normal shutdown (before the database and Redis close).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../telemetry/index.js';

export interface TaskOptions {
  /** How long a failing task is retried before it is given up (default 0: one try). */
  retryForMs?: number;
}

/**
 * How long a failed write is retried before it is given up (and the turn lost). It must outlast a
 * database that is briefly away: the embedded database's thread restarting takes seconds, tens of
 * them on a busy machine (its pause between attempts grows to 30 s), and a PostgreSQL failover
 * takes as long. The pending-writes bound keeps what waits meanwhile from growing without end.
 */
export const WRITE_RETRY_MS = 60_000;
/** The longest pause between two tries (the pauses double from 200 ms). */
const MAX_PAUSE_MS = 5_000;

export class BackgroundTasks {
  private readonly pending = new Set<Promise<void>>();
  private pendingWrites = 0;
  private readonly settled = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private outcomes: Counter<'task' | 'outcome'> | undefined;

  constructor(
    private readonly log: Logger,
    /** How long a write (`enqueue`) is retried before it is given up. */
    private readonly writeRetryMs = WRITE_RETRY_MS,
  ) {}

  /**
   * A write after the response: retried with backoff on failure, logged if it still fails. The
   * promise settles (never rejects) once the task succeeded or was given up.
   */
  enqueue(name: string, task: () => Promise<void>): Promise<void> {
    return this.start(name, task, this.writeRetryMs, true);
  }

  /** Runs `task` in the background, tracked; the promise settles (never rejects) when it is done. */
  run(name: string, task: () => Promise<void>, options: TaskOptions = {}): Promise<void> {
    return this.start(name, task, options.retryForMs ?? 0, false);
  }

  private start(name: string, task: () => Promise<void>, retryForMs: number, write: boolean): Promise<void> {
    if (this.closed)
      this.log.warn({ task: name }, 'background task started after shutdown began; running anyway');
    if (write) this.pendingWrites++;
    const done = this.runWithRetry(name, task, retryForMs).finally(() => {
      // Counted out before the listeners run: they read the counts (the turn gate admits on them).
      if (write) this.pendingWrites--;
      this.pending.delete(done);
      for (const listener of this.settled) listener();
    });
    this.pending.add(done);
    return done;
  }

  /**
   * Runs `task` every `everyMs` (the first time after `firstAfterMs`), never two at once; a
   * failure is logged and counted, and the next run comes on schedule. Stops at `drain()`.
   */
  every(
    name: string,
    everyMs: number,
    task: () => Promise<void>,
    options: { firstAfterMs?: number } = {},
  ): void {
    let running: Promise<void> | undefined;
    const tick = () => {
      if (this.closed || running) return;
      running = this.run(name, task).finally(() => {
        running = undefined;
      });
    };
    const interval = setInterval(tick, everyMs).unref();
    const first = setTimeout(tick, options.firstAfterMs ?? everyMs).unref();
    this.timers.add(interval).add(first);
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.pending.size;
  }

  /** Writes (`enqueue`) queued or running: each holds what it will write in memory until it is done. */
  get writes(): number {
    return this.pendingWrites;
  }

  /** Calls `listener` whenever a task has finished (done or given up). */
  onSettled(listener: () => void): void {
    this.settled.add(listener);
  }

  /** parley_background_tasks_total{task, outcome} and parley_background_tasks_pending. */
  registerMetrics(registry: Registry): void {
    this.outcomes = new Counter({
      name: 'parley_background_tasks_total',
      help: 'Background tasks by name and outcome: done, retried (one failed try), failed (given up)',
      labelNames: ['task', 'outcome'],
      registers: [registry],
    });
    const tasks = this;
    new Gauge({
      name: 'parley_background_tasks_pending',
      help: 'Background tasks queued or running',
      registers: [registry],
      collect() {
        this.set(tasks.size);
      },
    });
  }

  /** Stops the timers and waits for every task (called on shutdown, before the database closes). */
  async drain(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async runWithRetry(name: string, task: () => Promise<void>, retryForMs: number): Promise<void> {
    const giveUpAt = Date.now() + retryForMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await task();
        this.outcomes?.inc({ task: name, outcome: 'done' });
        return;
      } catch (error) {
        const pause = Math.min(100 * 2 ** attempt, MAX_PAUSE_MS);
        if (Date.now() + pause > giveUpAt) {
          this.outcomes?.inc({ task: name, outcome: 'failed' });
          this.log.error({ err: error, task: name, attempts: attempt }, 'background task failed for good');
          return;
        }
        this.outcomes?.inc({ task: name, outcome: 'retried' });
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
}
