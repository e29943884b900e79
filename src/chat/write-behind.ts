// Work done after the response is sent (persisting a turn): queued in memory, written in the
// background with retries, and drained before the process exits on a normal shutdown.
import type { Logger } from '../telemetry/logger.js';

/**
 * How long a failed write is retried before it is given up (and the turn lost). It must outlast a
 * database that is briefly away: the embedded database's thread restarting takes seconds, tens of
 * them on a busy machine (its pause between attempts grows to 30 s), and a PostgreSQL failover
 * takes as long. The pending-writes bound keeps what waits meanwhile from growing without end.
 */
const RETRY_FOR_MS = 60_000;
/** The longest pause between two attempts (the pauses double from 200 ms). */
const MAX_PAUSE_MS = 5_000;

export class WriteBehind {
  private readonly pending = new Set<Promise<void>>();
  private readonly settled = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly log: Logger,
    private readonly retryForMs = RETRY_FOR_MS,
  ) {}

  /**
   * Runs `task` in the background; retried with backoff on failure, logged if it still fails.
   * The promise settles (never rejects) once the task succeeded or was given up.
   */
  enqueue(name: string, task: () => Promise<void>): Promise<void> {
    if (this.closed) this.log.warn({ task: name }, 'write-behind used after close; running anyway');
    const run = this.runWithRetry(name, task).finally(() => {
      this.pending.delete(run);
      for (const listener of this.settled) listener();
    });
    this.pending.add(run);
    return run;
  }

  /** Tasks queued or running (each holds what it will write in memory until it is done). */
  get size(): number {
    return this.pending.size;
  }

  /** Calls `listener` whenever a task has finished (written or given up). */
  onSettled(listener: () => void): void {
    this.settled.add(listener);
  }

  /** Waits for every queued write (called on shutdown, before the database closes). */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async runWithRetry(name: string, task: () => Promise<void>): Promise<void> {
    const giveUpAt = Date.now() + this.retryForMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await task();
        return;
      } catch (error) {
        const pause = Math.min(100 * 2 ** attempt, MAX_PAUSE_MS);
        if (Date.now() + pause > giveUpAt) {
          this.log.error({ err: error, task: name, attempts: attempt }, 'background write failed for good');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
}
