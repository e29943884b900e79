// The gateway's metrics: tokens and cost by model and tenant, unpriced turns, rate-limit
// rejections, Redis fallbacks, budget warnings and enforcement. Created unregistered with the
// gateway; the app registers them in its registry (see createApp).
import { Counter, Gauge, type Metric } from 'prom-client';

export interface GatewayMetrics {
  tokens: Counter<'model' | 'tenant' | 'kind'>;
  cost: Counter<'model' | 'tenant'>;
  unpricedTurns: Counter<'model'>;
  rateLimited: Counter<'scope' | 'limit'>;
  limiterFallbacks: Counter;
  redisUp: Gauge;
  budgetWarnings: Counter<'scope' | 'period' | 'level'>;
  budgetEnforced: Counter<'scope' | 'period' | 'action'>;
  all(): Metric[];
}

export function createGatewayMetrics(redisUp: () => number | undefined): GatewayMetrics {
  const metrics = {
    tokens: new Counter({
      name: 'parley_model_tokens_total',
      help: 'Model tokens by model, tenant (the first tenants seen; the rest as "other") and kind (input, cached_input, output)',
      labelNames: ['model', 'tenant', 'kind'],
      registers: [],
    }),
    cost: new Counter({
      name: 'parley_cost_usd_total',
      help: 'Model cost in USD by model and tenant (priced models only)',
      labelNames: ['model', 'tenant'],
      registers: [],
    }),
    unpricedTurns: new Counter({
      name: 'parley_unpriced_turns_total',
      help: 'Turns answered by a model without a price (counted at 0 USD); add it to PARLEY_PRICES',
      labelNames: ['model'],
      registers: [],
    }),
    rateLimited: new Counter({
      name: 'parley_rate_limited_total',
      help: 'Requests refused with 429 by scope (key, tenant, ip, user) and limit (requests, tokens)',
      labelNames: ['scope', 'limit'],
      registers: [],
    }),
    limiterFallbacks: new Counter({
      name: 'parley_rate_limit_fallbacks_total',
      help: 'Rate-limit and spend operations answered by this process because Redis was unavailable',
      registers: [],
    }),
    redisUp: new Gauge({
      name: 'parley_redis_up',
      help: 'Whether the shared Redis (REDIS_URL) is connected: 1 up, 0 down (absent without REDIS_URL)',
      registers: [],
      collect() {
        const up = redisUp();
        if (up !== undefined) this.set(up);
      },
    }),
    budgetWarnings: new Counter({
      name: 'parley_budget_warnings_total',
      help: 'Budgets crossing the warning share (level warning) or fully spent (level exceeded), by scope and period',
      labelNames: ['scope', 'period', 'level'],
      registers: [],
    }),
    budgetEnforced: new Counter({
      name: 'parley_budget_enforced_total',
      help: 'Turns over budget, by scope, period and action (refused with 402, or answered by the cheapest model)',
      labelNames: ['scope', 'period', 'action'],
      registers: [],
    }),
  };
  // Without REDIS_URL there is no Redis to report on: the gauge is left out rather than read 0.
  const exposed = Object.values(metrics).filter(
    (metric) => metric !== metrics.redisUp || redisUp() !== undefined,
  );
  return { ...metrics, all: () => exposed };
}

/**
 * Bounds the tenant label: the first `max` tenants seen by this process keep their id, every
 * later one is "other". Series stay bounded (max + 1 tenants per model) whatever the number of
 * tenants; a deployment with more tenants than that reads per-tenant cost from GET /v1/usage.
 */
export class TenantLabels {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  label(tenantId: string): string {
    if (this.seen.has(tenantId)) return tenantId;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(tenantId);
    return tenantId;
  }
}
