// Work done after the response is sent (persisting a turn): queued in memory, written in the
// background with retries, and drained before the process exits on a normal shutdown.
import type { Logger } from '../telemetry/logger.js';

export class WriteBehind {
  private readonly pending = new Set<Promise<void>>();
  private readonly settled = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly log: Logger,
    private readonly attempts = 5,
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
    for (let attempt = 1; ; attempt++) {
      try {
        await task();
        return;
      } catch (error) {
        if (attempt >= this.attempts) {
          this.log.error({ err: error, task: name }, 'background write failed for good');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }
}
