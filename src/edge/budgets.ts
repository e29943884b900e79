// Budgets in USD per tenant and per key, daily and monthly: the configured defaults, tightened
// per tenant through PUT /v1/budgets. Before a turn, spend is compared with them (over budget:
// refuse with 402, or answer with the cheapest model, per PARLEY_BUDGET_POLICY); after it, its
// cost is added and a budget crossing the warning share, or fully spent, is logged, counted and
// posted to the webhook, once (the crossing is seen by exactly one increment).

import type { Caller } from '../accounting/index.js';
import { ParleyError } from '../errors/index.js';
import type { BackgroundLoops, LoopHandle } from '../jobs/index.js';
import { type Database, RefreshAheadCache } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';
import {
  type BudgetOverrides,
  readBudgetOverrides,
  readBudgetVersions,
  writeBudgetOverrides,
} from './budget-store.js';
import type { BudgetWebhook } from './budget-webhook.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import {
  type BudgetPeriod,
  type BudgetScope,
  periodOf,
  type SpendLedger,
  type SpendSubject,
} from './spend-ledger.js';

export type BudgetPolicy = 'refuse' | 'cheapest';

/** USD per period (0: no budget). */
export interface BudgetLimits {
  tenant: Record<BudgetPeriod, number>;
  key: Record<BudgetPeriod, number>;
}

export interface BudgetSettings {
  defaults: BudgetLimits;
  /** Share of a budget at which to warn (0.5: at half). */
  warnAt: number;
  policy: BudgetPolicy;
}

/** A budget that is spent. */
export interface SpentBudget {
  scope: BudgetScope;
  period: BudgetPeriod;
  limitUsd: number;
  spentUsd: number;
  resetsAt: Date;
}

const CACHE_TTL_MS = 5_000;
/** How often a process asks whether another changed the budgets of a tenant it has cached. */
export const BUDGET_POLL_MS = 250;
const CACHE_MAX_STALE_MS = 30_000;
const CACHE_MAX = 10_000;
const PERIODS: BudgetPeriod[] = ['day', 'month'];

/** A configured default, tightened (never loosened) by the tenant's own value. */
export function effectiveBudget(configured: number, own: number | null): number {
  if (own === null) return configured;
  return configured > 0 ? Math.min(configured, own) : own;
}

export class Budgets {
  private readonly cache = new RefreshAheadCache<BudgetLimits>((tenantId) => this.readLimits(tenantId), {
    ttlMs: CACHE_TTL_MS,
    maxStaleMs: CACHE_MAX_STALE_MS,
    max: CACHE_MAX,
  });

  /** The version of each cached tenant's budget row when its limits were read (null: no row). */
  private readonly versions = new Map<string, string | null>();
  private poller: LoopHandle | undefined;

  constructor(
    private readonly db: Database,
    private readonly ledger: SpendLedger,
    readonly settings: BudgetSettings,
    private readonly webhook: BudgetWebhook,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {}

  /** The tenant's effective limits (cached for a few seconds; a change through this process applies at once). */
  limits(tenantId: string): Promise<BudgetLimits> {
    return this.cache.get(tenantId);
  }

  /**
   * Drops the cached limits of tenants whose budget row changed since they were read, in any
   * process (the API, another replica, the CLI), so a new budget applies everywhere within a poll;
   * the cache's own lifetime still bounds what a lost poll, or a change by SQL that left
   * `updated_at` alone, could leave.
   */
  async poll(): Promise<void> {
    const tenants = [...this.cache.keys()];
    if (tenants.length === 0) return;
    const current = await readBudgetVersions(this.db, tenants);
    for (const tenant of tenants) {
      const known = this.versions.get(tenant);
      if (known === undefined || known === (current.get(tenant) ?? null)) continue;
      this.cache.delete(tenant);
      this.versions.delete(tenant);
    }
  }

  /** Starts polling the budget rows of the cached tenants (server processes). */
  start(loops: BackgroundLoops, pollMs = BUDGET_POLL_MS): void {
    this.poller ??= loops.loop('budget-versions-poll', () => this.poll(), {
      everyMs: pollMs,
      backoff: { firstMs: pollMs, maxMs: 5_000 },
    });
  }

  async stop(): Promise<void> {
    await this.poller?.stop();
    this.poller = undefined;
  }

  private async readLimits(tenantId: string): Promise<BudgetLimits> {
    const { defaults } = this.settings;
    // The version first: a change committed after this read shows as a newer one at the next poll.
    const version = (await readBudgetVersions(this.db, [tenantId])).get(tenantId) ?? null;
    const own = await readBudgetOverrides(this.db.forTenant(tenantId), tenantId);
    if (this.versions.size > CACHE_MAX) this.versions.clear();
    this.versions.set(tenantId, version);
    return {
      tenant: {
        day: effectiveBudget(defaults.tenant.day, own.tenant_daily_usd),
        month: effectiveBudget(defaults.tenant.month, own.tenant_monthly_usd),
      },
      key: {
        day: effectiveBudget(defaults.key.day, own.key_daily_usd),
        month: effectiveBudget(defaults.key.month, own.key_monthly_usd),
      },
    };
  }

  overrides(tenantId: string): Promise<BudgetOverrides> {
    return readBudgetOverrides(this.db.forTenant(tenantId), tenantId);
  }

  async setOverrides(tenantId: string, overrides: BudgetOverrides): Promise<void> {
    await writeBudgetOverrides(this.db.forTenant(tenantId), tenantId, overrides);
    this.cache.delete(tenantId);
  }

  /** The caller's budgets that are spent (empty: the turn may go ahead as usual). */
  async spent(caller: Caller, now = new Date()): Promise<SpentBudget[]> {
    const limits = await this.limits(caller.tenantId);
    const subjects = subjectsOf(caller).filter((subject) => limits[subject.scope][subject.period] > 0);
    if (subjects.length === 0) return [];
    const spent = await this.ledger.read(subjects, now);
    return subjects.flatMap((subject, index) => {
      const limitUsd = limits[subject.scope][subject.period];
      const spentUsd = spent[index]!;
      return spentUsd >= limitUsd
        ? [{ ...subject, limitUsd, spentUsd, resetsAt: periodOf(subject.period, now).resetsAt }]
        : [];
    });
  }

  /**
   * Applies the policy before a turn: throws PARLEY_ERR_BUDGET_EXCEEDED (402) under `refuse`;
   * under `cheapest`, returns true when the turn should use the cheapest model.
   */
  async enforce(caller: Caller): Promise<boolean> {
    const spent = await this.spent(caller);
    const first = spent[0];
    if (!first) return false;
    const action = this.settings.policy === 'refuse' ? 'refused' : 'cheapest';
    for (const budget of spent) {
      this.metrics.budgetEnforced.inc({ scope: budget.scope, period: budget.period, action });
    }
    if (this.settings.policy === 'cheapest') return true;
    const whose = first.scope === 'key' ? "this API key's" : "the tenant's";
    throw new ParleyError(
      'PARLEY_ERR_BUDGET_EXCEEDED',
      `${whose} ${first.period === 'day' ? 'daily' : 'monthly'} budget of $${first.limitUsd} is spent ` +
        `($${first.spentUsd.toFixed(4)}); it resets at ${first.resetsAt.toISOString()}`,
    );
  }

  /**
   * Adds a turn's cost to the caller's counters and reports budgets it made cross a threshold. A
   * turn of a model without a price (`costUsd` 0) counts as `unpricedUsd` where a budget applies
   * to the caller, so an unpriced model cannot escape it; elsewhere it costs nothing.
   */
  async record(
    caller: Caller,
    charge: { costUsd: number; unpricedUsd?: number },
    now = new Date(),
  ): Promise<void> {
    const subjects = subjectsOf(caller);
    const limits = await this.limits(caller.tenantId);
    const budgeted = subjects.some((subject) => limits[subject.scope][subject.period] > 0);
    const costUsd = budgeted ? Math.max(charge.costUsd, charge.unpricedUsd ?? 0) : charge.costUsd;
    if (costUsd <= 0) return;
    const totals = await this.ledger.add(subjects, costUsd, now);
    subjects.forEach((subject, index) => {
      const limit = limits[subject.scope][subject.period];
      if (limit <= 0) return;
      const after = totals[index]!;
      const before = after - costUsd;
      const warnAt = limit * this.settings.warnAt;
      if (before < warnAt && after >= warnAt) this.report('warning', subject, caller, limit, after, now);
      if (before < limit && after >= limit) this.report('exceeded', subject, caller, limit, after, now);
    });
  }

  /** Spend against each budget, for GET /v1/budgets. */
  async status(caller: Caller, now = new Date()) {
    const limits = await this.limits(caller.tenantId);
    const subjects = subjectsOf(caller);
    const spent = await this.ledger.read(subjects, now);
    return subjects.map((subject, index) => ({
      scope: subject.scope,
      period: subject.period,
      limit_usd: limits[subject.scope][subject.period] || null,
      spent_usd: spent[index]!,
      resets_at: periodOf(subject.period, now).resetsAt.toISOString(),
    }));
  }

  private report(
    level: 'warning' | 'exceeded',
    subject: SpendSubject,
    caller: Caller,
    limitUsd: number,
    spentUsd: number,
    now: Date,
  ): void {
    const event = {
      event: `budget.${level}`,
      tenant_id: caller.tenantId,
      key_id: subject.scope === 'key' ? caller.keyId : null,
      scope: subject.scope,
      period: subject.period,
      limit_usd: limitUsd,
      spent_usd: spentUsd,
      share: spentUsd / limitUsd,
      resets_at: periodOf(subject.period, now).resetsAt.toISOString(),
    };
    this.log.warn(event, level === 'warning' ? 'budget warning' : 'budget spent');
    this.metrics.budgetWarnings.inc({ scope: subject.scope, period: subject.period, level });
    this.webhook.post(event);
  }
}

/** The counters a caller's spend goes to: the tenant's, and its key's when it used one. */
function subjectsOf(caller: Caller): SpendSubject[] {
  return PERIODS.flatMap((period) => [
    { scope: 'tenant' as const, period, tenantId: caller.tenantId },
    ...(caller.keyId
      ? [{ scope: 'key' as const, period, tenantId: caller.tenantId, keyId: caller.keyId }]
      : []),
  ]);
}
