// The one wrapper every piece of background work runs in: work done after the response (a turn's
// messages, trace and usage row, its accounting against limits and budgets, a budget webhook), and
// loops that run on a timer or when poked (trace retention, ingestion's job queue and stale-job
// sweep, the in-memory keyword index's poll, the embedding backfill). Each task is tracked until it
// is done, retried with backoff when it is a write (unless retrying cannot help), logged and counted
// when it fails, and drained before the process exits on a normal shutdown (before the database and
// Redis close).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../telemetry/index.js';
import { isPermanentError } from './permanent-error.js';

/**
 * How long a failed write is retried before it is given up (and the turn lost). It must outlast a
 * database that is briefly away: the embedded database's thread restarting takes seconds, tens of
 * them on a busy machine (its pause between attempts grows to 30 s), and a PostgreSQL failover
 * takes as long. The pending-writes bound keeps what waits meanwhile from growing without end.
 */
export const WRITE_RETRY_MS = 60_000;
/** The longest pause between two tries (the pauses double from 200 ms). */
const MAX_PAUSE_MS = 5_000;

/**
 * One run of a loop; resolves `true` when work is left, and the next run follows at once (any
 * other value: the loop waits).
 */
export type LoopRun = () => Promise<unknown>;

export interface LoopOptions {
  /** The pause after a run that left nothing to do (ms); a poke cuts it short. */
  everyMs: number;
  /** The pause before the first run (ms; default `everyMs`). */
  firstAfterMs?: number;
  /**
   * After failed runs in a row, the pause starts at `firstMs` and doubles up to `maxMs`; without
   * it the next run comes after `everyMs`, as after a success.
   */
  backoff?: { firstMs: number; maxMs: number };
}

/** A running loop. */
export interface LoopHandle {
  /** Runs the loop now, or right after the run under way: never two runs at once. */
  poke(): void;
  /** Stops the loop and waits for the run under way (if any). */
  stop(): Promise<void>;
}

/** How a task ended, the `outcome` label of parley_background_tasks_total. */
type Outcome = 'done' | 'retried' | 'failed' | 'permanent';

export class BackgroundTasks {
  private readonly pending = new Set<Promise<void>>();
  private pendingWrites = 0;
  private readonly settled = new Set<() => void>();
  private readonly loops = new Set<LoopHandle>();
  private closed = false;
  private outcomes: Counter<'task' | 'outcome'> | undefined;

  constructor(
    private readonly log: Logger,
    /** How long a write (`enqueue`) is retried before it is given up. */
    private readonly writeRetryMs = WRITE_RETRY_MS,
  ) {}

  /**
   * A write after the response: retried with backoff on failure, logged if it still fails, given
   * up at once if retrying cannot help (`isPermanentError`). The promise settles (never rejects)
   * once the task succeeded or was given up.
   */
  enqueue(name: string, task: () => Promise<void>): Promise<void> {
    return this.track(name, true, () => this.retry(name, task));
  }

  /**
   * A write (as `enqueue`) that waits for `after` first: tracked from now, so a drain waits for it,
   * but counted among the pending writes only once it can start, so that a write waiting on
   * another (a usage row on its turn's) does not count the same turn twice.
   */
  enqueueAfter(name: string, after: Promise<unknown>, task: () => Promise<void>): Promise<void> {
    return this.track(name, false, async () => {
      await after.catch(() => {});
      this.pendingWrites++;
      try {
        await this.retry(name, task);
      } finally {
        this.pendingWrites--;
      }
    });
  }

  /** Runs `task` once in the background, tracked; the promise settles (never rejects) when it is done. */
  run(name: string, task: () => Promise<void>): Promise<void> {
    return this.track(name, false, async () => {
      try {
        await task();
        this.count(name, 'done');
      } catch (error) {
        this.giveUp(name, error, 1);
      }
    });
  }

  /**
   * Runs `run` in a loop: first after `firstAfterMs`, then `everyMs` after each run (at once when it
   * left work, sooner when poked), never two at once. Each run is a tracked task: counted, and a
   * failure logged with when the next run comes. Stops at `stop()` or `drain()`.
   */
  loop(name: string, run: LoopRun, options: LoopOptions): LoopHandle {
    let timer: NodeJS.Timeout | undefined;
    let current: Promise<void> | undefined;
    let again = false;
    let stopped = false;
    let failures = 0;
    const wait = (ms: number) => {
      clearTimeout(timer);
      // A loop never holds the process open: a server's socket does, a command ends when done.
      timer = setTimeout(tick, ms).unref();
    };
    const tick = () => {
      timer = undefined;
      if (stopped) return;
      let pause = options.everyMs;
      current = this.track(name, false, async () => {
        try {
          const more = await run();
          this.count(name, 'done');
          failures = 0;
          if (more === true) pause = 0;
        } catch (error) {
          failures++;
          if (options.backoff) {
            pause = Math.min(options.backoff.firstMs * 2 ** (failures - 1), options.backoff.maxMs);
          }
          this.count(name, isPermanentError(error) ? 'permanent' : 'failed');
          this.log.warn(
            { err: error, task: name, failures, nextRunInMs: pause },
            'background loop run failed',
          );
        }
      }).then(() => {
        current = undefined;
        if (stopped) return;
        wait(again ? 0 : pause);
        again = false;
      });
    };
    const handle: LoopHandle = {
      poke: () => {
        if (stopped) return;
        if (current) again = true;
        else wait(0);
      },
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        this.loops.delete(handle);
        await current;
      },
    };
    if (this.closed) {
      this.log.warn({ task: name }, 'background loop started after shutdown began; not started');
      stopped = true;
      return handle;
    }
    this.loops.add(handle);
    wait(options.firstAfterMs ?? options.everyMs);
    return handle;
  }

  /** Tasks queued or running, a loop's run under way included. */
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
      help: 'Background tasks (and loop runs) by name and outcome: done, retried (one failed try), failed (given up, or a failed loop run), permanent (failed in a way no retry can fix: not retried)',
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

  /** Stops the loops and waits for every task (called on shutdown, before the database closes). */
  async drain(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.loops].map((loop) => loop.stop()));
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(name: string, write: boolean, work: () => Promise<void>): Promise<void> {
    if (this.closed)
      this.log.warn({ task: name }, 'background task started after shutdown began; running anyway');
    if (write) this.pendingWrites++;
    const done = work().finally(() => {
      // Counted out before the listeners run: they read the counts (the turn gate admits on them).
      if (write) this.pendingWrites--;
      this.pending.delete(done);
      for (const listener of this.settled) listener();
    });
    this.pending.add(done);
    return done;
  }

  private async retry(name: string, task: () => Promise<void>): Promise<void> {
    const giveUpAt = Date.now() + this.writeRetryMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await task();
        this.count(name, 'done');
        return;
      } catch (error) {
        const pause = Math.min(100 * 2 ** attempt, MAX_PAUSE_MS);
        if (isPermanentError(error) || Date.now() + pause > giveUpAt) {
          this.giveUp(name, error, attempt);
          return;
        }
        this.count(name, 'retried');
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** Counts and logs, once, a task that failed for good. */
  private giveUp(name: string, error: unknown, attempts: number): void {
    if (isPermanentError(error)) {
      this.count(name, 'permanent');
      this.log.error({ err: error, task: name, attempts }, 'background task failed; retrying cannot help');
    } else {
      this.count(name, 'failed');
      this.log.error({ err: error, task: name, attempts }, 'background task failed for good');
    }
  }

  private count(task: string, outcome: Outcome): void {
    this.outcomes?.inc({ task, outcome });
  }
}
