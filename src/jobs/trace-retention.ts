// Retention for turn traces: a background sweep deletes each tenant's traces older than its period
// (its own `trace_days`, else PARLEY_TRACE_RETENTION_DAYS, never past PARLEY_TRACE_RETENTION_MAX_DAYS),
// in batches so that no single statement holds the table long. Runs in the process that runs
// background jobs, as a background task: hourly and once shortly after start-up.
import { Counter, type Registry } from 'prom-client';
import { type Database, type PeriodBounds, tenantPeriods } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';

const BATCH = 5_000;
const DAY_MS = 86_400_000;
/** How often the sweep runs (and once 10 s after start-up). */
export const TRACE_RETENTION_EVERY_MS = 60 * 60 * 1000;

export interface TraceRetentionOptions {
  /** PARLEY_TRACE_RETENTION_DAYS. */
  defaultDays: number;
  /** PARLEY_TRACE_RETENTION_MAX_DAYS. */
  maxDays?: number | undefined;
}

export class TraceRetention {
  private readonly bounds: PeriodBounds;
  private deleted: Counter | undefined;

  constructor(
    private readonly db: Pick<Database, 'query' | 'forTenant'>,
    options: TraceRetentionOptions,
    private readonly log: Logger,
  ) {
    this.bounds = options;
  }

  registerMetrics(registry: Registry): void {
    this.deleted = new Counter({
      name: 'parley_trace_retention_deleted_total',
      help: "Turn traces deleted by the trace retention sweep (past their tenant's period)",
      registers: [registry],
    });
  }

  /** Deletes every trace older than its tenant's period; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    let total = 0;
    for (const { tenant_id: tenantId, days } of await tenantPeriods(this.db, 'trace_days', this.bounds)) {
      const cutoff = new Date(now.getTime() - days * DAY_MS);
      const db = this.db.forTenant(tenantId);
      let deleted = 0;
      for (;;) {
        // By the index on (tenant_id, created_at).
        const rows = await db.query(
          `delete from turn_traces where turn_id in
             (select turn_id from turn_traces where tenant_id = $1 and created_at < $2 limit ${BATCH})
           returning 1`,
          [tenantId, cutoff],
        );
        deleted += rows.length;
        if (rows.length < BATCH) break;
      }
      this.deleted?.inc(deleted);
      if (deleted > 0) this.log.info({ tenant: tenantId, deleted, days }, 'expired turn traces deleted');
      total += deleted;
    }
    return total;
  }
}
