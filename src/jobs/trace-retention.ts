// Retention for turn traces: a background sweep deletes traces older than the configured number
// of days, in batches so that no single statement holds the table long. Runs in the server
// process (the one that runs background jobs), hourly and once shortly after start-up.
import type { QueryRunner } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';

const BATCH = 5_000;
const EVERY_MS = 60 * 60 * 1000;

export class TraceRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly db: QueryRunner,
    private readonly days: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    const run = () => {
      this.running ??= this.sweep()
        .catch((error: unknown) => {
          this.log.warn({ err: error }, 'trace retention sweep failed; next try in an hour');
          return 0;
        })
        .finally(() => {
          this.running = undefined;
        });
    };
    this.timer = setInterval(run, EVERY_MS);
    this.timer.unref();
    setTimeout(run, 10_000).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes every trace older than the retention; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.days * 86_400_000);
    let deleted = 0;
    for (;;) {
      const rows = await this.db.query(
        `delete from turn_traces where turn_id in
           (select turn_id from turn_traces where created_at < $1 limit ${BATCH})
         returning 1`,
        [cutoff],
      );
      deleted += rows.length;
      if (rows.length < BATCH) break;
    }
    if (deleted > 0) this.log.info({ deleted, days: this.days }, 'expired turn traces deleted');
    return deleted;
  }
}
