// Retention for turn traces: a background sweep deletes traces older than the configured number
// of days, in batches so that no single statement holds the table long. Runs in the server
// process (the one that runs background jobs), as a background task: hourly and once shortly
// after start-up.
import type { QueryRunner } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';

const BATCH = 5_000;
/** How often the sweep runs (and once 10 s after start-up). */
export const TRACE_RETENTION_EVERY_MS = 60 * 60 * 1000;

export class TraceRetention {
  constructor(
    private readonly db: QueryRunner,
    private readonly days: number,
    private readonly log: Logger,
  ) {}

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
