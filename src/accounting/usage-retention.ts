// Retention of usage detail: the per-turn usage rows (which turn, conversation and key spent what)
// are kept for a tenant's `usage_detail_days` (else PARLEY_USAGE_DETAIL_RETENTION_DAYS, never past
// PARLEY_USAGE_DETAIL_RETENTION_MAX_DAYS; unset: kept). The sweep rolls the rows of whole UTC days
// past the period into usage_daily (per day, key, bot and model) and deletes them in the same
// statement, so GET /v1/usage, the budgets' spend and every grouping keep their totals.
import { Counter, type Registry } from 'prom-client';
import { type Database, type PeriodBounds, tenantPeriods } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';

const DAY_MS = 86_400_000;
/** Rows rolled up and deleted by one statement. */
export const USAGE_ROLLUP_BATCH = 5_000;
/** How often the sweep runs (and once shortly after start-up). */
export const USAGE_RETENTION_EVERY_MS = 60 * 60 * 1000;

export interface UsageRetentionOptions extends PeriodBounds {
  batch?: number;
}

/** What one sweep did to one tenant's usage detail. */
export interface RolledUpUsage {
  tenantId: string;
  days: number;
  /** Per-turn rows created before this (a UTC midnight) were rolled up and deleted. */
  cutoff: Date;
  rows: number;
}

export class UsageRetention {
  private rolled: Counter | undefined;

  constructor(
    private readonly db: Pick<Database, 'query' | 'forTenant'>,
    private readonly options: UsageRetentionOptions,
    private readonly log: Logger,
  ) {}

  registerMetrics(registry: Registry): void {
    this.rolled = new Counter({
      name: 'parley_usage_detail_rolled_up_total',
      help: 'Per-turn usage rows added to the daily totals and deleted by the usage detail sweep',
      registers: [registry],
    });
  }

  /** Rolls up and deletes every tenant's per-turn usage rows past its period. */
  async sweep(now = new Date()): Promise<RolledUpUsage[]> {
    const batch = this.options.batch ?? USAGE_ROLLUP_BATCH;
    const swept: RolledUpUsage[] = [];
    for (const { tenant_id: tenantId, days } of await tenantPeriods(
      this.db,
      'usage_detail_days',
      this.options,
    )) {
      // Whole UTC days only: a day's detail goes all at once, so its total is in one table.
      const cutoff = new Date(Math.floor((now.getTime() - days * DAY_MS) / DAY_MS) * DAY_MS);
      const db = this.db.forTenant(tenantId);
      let rows = 0;
      for (;;) {
        // One statement: the rows leave `usage` and enter the totals together, or not at all.
        const [result] = await db.query<{ rolled: number }>(
          `with gone as (
             delete from usage where id in
               (select id from usage where tenant_id = $1 and created_at < $2 order by created_at limit ${batch})
             returning *
           ), totals as (
             insert into usage_daily as d (tenant_id, day, key_id, bot_id, model, turns, unpriced_turns,
                    input_tokens, cached_input_tokens, output_tokens, cost_usd, saved_usd)
             select tenant_id, (created_at at time zone 'UTC')::date, key_id, bot_id, model, count(*),
                    count(*) filter (where not priced), sum(input_tokens), sum(cached_input_tokens),
                    sum(output_tokens), sum(cost_usd), sum(saved_usd)
               from gone group by 1, 2, 3, 4, 5
             on conflict (tenant_id, day, key_id, bot_id, model) do update set
               turns = d.turns + excluded.turns,
               unpriced_turns = d.unpriced_turns + excluded.unpriced_turns,
               input_tokens = d.input_tokens + excluded.input_tokens,
               cached_input_tokens = d.cached_input_tokens + excluded.cached_input_tokens,
               output_tokens = d.output_tokens + excluded.output_tokens,
               cost_usd = d.cost_usd + excluded.cost_usd,
               saved_usd = d.saved_usd + excluded.saved_usd
           )
           select count(*)::int as rolled from gone`,
          [tenantId, cutoff],
        );
        const rolled = result?.rolled ?? 0;
        rows += rolled;
        if (rolled < batch) break;
      }
      if (rows === 0) continue;
      this.rolled?.inc(rows);
      this.log.info({ tenant: tenantId, days, rows }, 'usage detail rolled into daily totals');
      swept.push({ tenantId, days, cutoff, rows });
    }
    return swept;
  }
}
