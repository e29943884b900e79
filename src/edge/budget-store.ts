// A tenant's own budgets (table `budgets`), over the configured defaults.
import type { QueryRunner } from '../storage/index.js';

/** USD per period; null: the configured default. */
export interface BudgetOverrides {
  tenant_daily_usd: number | null;
  tenant_monthly_usd: number | null;
  key_daily_usd: number | null;
  key_monthly_usd: number | null;
}

export const NO_OVERRIDES: BudgetOverrides = {
  tenant_daily_usd: null,
  tenant_monthly_usd: null,
  key_daily_usd: null,
  key_monthly_usd: null,
};

export async function readBudgetOverrides(db: QueryRunner, tenantId: string): Promise<BudgetOverrides> {
  const rows = await db.query<BudgetOverrides>(
    `select tenant_daily_usd::float8 as tenant_daily_usd, tenant_monthly_usd::float8 as tenant_monthly_usd,
            key_daily_usd::float8 as key_daily_usd, key_monthly_usd::float8 as key_monthly_usd
       from budgets where tenant_id = $1`,
    [tenantId],
  );
  return rows[0] ?? NO_OVERRIDES;
}

export async function writeBudgetOverrides(
  db: QueryRunner,
  tenantId: string,
  overrides: BudgetOverrides,
): Promise<void> {
  await db.query(
    `insert into budgets (tenant_id, tenant_daily_usd, tenant_monthly_usd, key_daily_usd, key_monthly_usd)
     values ($1, $2, $3, $4, $5)
     on conflict (tenant_id) do update set
       tenant_daily_usd = excluded.tenant_daily_usd, tenant_monthly_usd = excluded.tenant_monthly_usd,
       key_daily_usd = excluded.key_daily_usd, key_monthly_usd = excluded.key_monthly_usd,
       updated_at = now()`,
    [
      tenantId,
      overrides.tenant_daily_usd,
      overrides.tenant_monthly_usd,
      overrides.key_daily_usd,
      overrides.key_monthly_usd,
    ],
  );
}

/**
 * The version of each tenant's budget row (its `updated_at`, as text; absent: no row), for the
 * tenants asked. Another process's change shows as a new version.
 */
export async function readBudgetVersions(db: QueryRunner, tenantIds: string[]): Promise<Map<string, string>> {
  const rows = await db.query<{ tenant_id: string; version: string }>(
    'select tenant_id, updated_at::text as version from budgets where tenant_id = any($1::text[])',
    [tenantIds],
  );
  return new Map(rows.map((row) => [row.tenant_id, row.version]));
}
