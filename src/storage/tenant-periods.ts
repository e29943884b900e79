// The retention period each tenant's sweep applies for one kind of data: the tenant's own (table
// retention_periods), else the server's default, never past the operator's maximum. Tenants whose
// period comes out null keep that data.
import type { QueryRunner } from './pool-queries.js';

/** A column of retention_periods (fixed names, never from input). */
export type PeriodColumn = 'conversation_days' | 'message_days' | 'trace_days' | 'usage_detail_days';

/** How the server bounds one kind of period. */
export interface PeriodBounds {
  /** Days applied to tenants that set none (undefined: their data is kept). */
  defaultDays: number | undefined;
  /** The longest period applied, whatever a tenant set (undefined: no maximum). */
  maxDays?: number | undefined;
}

/** The period in force for a tenant that set `own` (null: none). */
export function effectiveDays(own: number | null, bounds: PeriodBounds): number | null {
  const days = own ?? bounds.defaultDays ?? null;
  return days !== null && bounds.maxDays !== undefined ? Math.min(days, bounds.maxDays) : days;
}

/** Every tenant with a period of this kind, and that period in days. */
export function tenantPeriods(
  db: Pick<QueryRunner, 'query'>,
  column: PeriodColumn,
  bounds: PeriodBounds,
): Promise<{ tenant_id: string; days: number }[]> {
  return db.query(
    `select tenant_id, days from (
       select t.id as tenant_id, least(coalesce(r.${column}, $1::int), $2::int) as days
         from tenants t left join retention_periods r on r.tenant_id = t.id) p
      where days is not null`,
    [bounds.defaultDays ?? null, bounds.maxDays ?? null],
  );
}
