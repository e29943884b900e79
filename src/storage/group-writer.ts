// Group commit for background writes: the first item is written at once (no added latency when
// the server is quiet); items that arrive while a write is in flight go together in the next one.
// Under load, N turns cost one statement instead of N: on the embedded database, whose single
// session every query waits for, that is time given back to the reads on the critical path.
// Between two writes there is at least `minIntervalMs` (as PostgreSQL's commit_delay, Kafka's
// linger.ms): a statement's fixed cost is most of a lone turn's write (about 1.8 of 2.9 ms of CPU
// on the embedded database, bench/turn-batch-write.ts), so at a hundred turns a second, when
// writes come one or two turns at a time, the items that arrive within it share the next one.

export class GroupWriter<T> {
  private queue: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private writing = false;
  private lastWriteAt = Number.NEGATIVE_INFINITY;

  /**
   * @param write writes a batch in one statement (atomically: all or nothing)
   * @param maxBatch the most items one statement carries
   * @param minIntervalMs the least time from one write's start to the next's (0: none)
   */
  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxBatch = 100,
    private readonly minIntervalMs = 0,
  ) {}

  /** Settles when the item is written (or failed: then it was tried on its own). */
  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const wait = this.lastWriteAt + this.minIntervalMs - performance.now();
        // Items that arrive while this waits join the batch.
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        this.lastWriteAt = performance.now();
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.write(batch.map((entry) => entry.item));
          for (const entry of batch) entry.resolve();
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          // One bad item must not fail the others: each is tried on its own.
          for (const entry of batch) {
            await this.write([entry.item]).then(entry.resolve, entry.reject);
          }
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
