// The gateway: what stands between a request and the pipeline. Rate limits on every request
// (but health, readiness and metrics), token limits and budgets before a turn, and after it the
// accounting: cost by the price table, tokens and spend counted, a usage row written off the
// critical path. Built once at start-up from the config; closed on shutdown.

import {
  type Admission,
  type Caller,
  insertUsage,
  PriceTable,
  type TokenCounts,
  type TurnAccounting,
  type TurnFacts,
  type UsageRecord,
} from '../accounting/index.js';
import type { GatewayConfig } from '../config/index.js';
import type { BackgroundRunner } from '../jobs/index.js';
import { type Database, GroupWriter, type RedisConnection } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';
import { BudgetWebhook } from './budget-webhook.js';
import { Budgets } from './budgets.js';
import { createGatewayMetrics, type GatewayMetrics, TenantLabels } from './gateway-metrics.js';
import { type LimitScope, type LimitState, RateLimitedError, RateLimits } from './rate-limits.js';

import { SpendLedger } from './spend-ledger.js';

export class Gateway implements TurnAccounting {
  readonly metrics: GatewayMetrics;
  readonly prices: PriceTable;
  readonly budgets: Budgets;
  private readonly limits: RateLimits;
  private readonly tenants: TenantLabels;
  /** Usage rows, written in groups (one statement for all the turns that end together). */
  private readonly usage: GroupWriter<UsageRecord>;
  /** Telemetry off: per-turn token and cost counters are not recorded (usage rows still are). */
  private readonly recordsMetrics: boolean;

  constructor(
    config: GatewayConfig,
    db: Database,
    /** Where the accounting after a turn runs (the process's background tasks). */
    private readonly tasks: BackgroundRunner,
    log: Logger,
    redis: RedisConnection | undefined,
  ) {
    this.metrics = createGatewayMetrics(() => (redis ? (redis.up ? 1 : 0) : undefined));
    this.recordsMetrics = config.recordMetrics;
    this.usage = new GroupWriter((records) => insertUsage(db, records), 100, config.writeGroupMs);
    const fallback = () => this.metrics.limiterFallbacks.inc();
    this.prices = new PriceTable(config.prices);
    this.tenants = new TenantLabels(config.metricsMaxTenants);
    this.limits = new RateLimits(
      { requestsPerMinute: config.requestsPerMinute, tokensPerMinute: config.tokensPerMinute },
      redis,
      fallback,
    );
    const webhook = new BudgetWebhook(config.webhook.url, config.webhook.timeoutMs, log, tasks);
    this.budgets = new Budgets(
      db,
      new SpendLedger(db, redis, fallback),
      {
        defaults: { tenant: config.budgets.tenant, key: config.budgets.key },
        warnAt: config.budgets.warnAt,
        policy: config.budgets.policy,
      },
      webhook,
      this.metrics,
      log,
    );
  }

  /** Counts a request against the limits of `scopes`; throws 429 (with Retry-After) past one. */
  async admitRequest(caller: Caller, scopes: readonly LimitScope[]): Promise<LimitState | undefined> {
    try {
      return await this.limits.admitRequest(caller, scopes);
    } catch (error) {
      if (error instanceof RateLimitedError)
        this.metrics.rateLimited.inc({ scope: error.scope, limit: error.kind });
      throw error;
    }
  }

  /** Before a turn: refuses (429) while a token bucket is spent; applies the budget policy (402). */
  async admitTurn(caller: Caller): Promise<Admission> {
    try {
      await this.limits.admitTokens(caller);
    } catch (error) {
      if (error instanceof RateLimitedError)
        this.metrics.rateLimited.inc({ scope: error.scope, limit: error.kind });
      throw error;
    }
    return { preferCheapest: await this.budgets.enforce(caller) };
  }

  /**
   * After a turn: its cost (returned at once, for the response), its metrics; in the background
   * its tokens against the token limits, its cost against the budgets, and its usage row.
   */
  settleTurn(caller: Caller, turn: TurnFacts): { costUsd: number } {
    // Every model call of the turn: the answer's (when a model gave it), then those beside it.
    const calls = [
      ...(turn.generated ? [{ model: turn.model, tokens: turn.tokens }] : []),
      ...(turn.aside ?? []),
    ];
    const tokens: TokenCounts = { ...turn.tokens };
    for (const call of turn.aside ?? []) {
      tokens.inputTokens += call.tokens.inputTokens;
      tokens.cachedInputTokens += call.tokens.cachedInputTokens;
      tokens.outputTokens += call.tokens.outputTokens;
    }
    let costUsd = 0;
    let unpricedUsd = 0;
    let priced = true;
    for (const call of calls) {
      const cost = this.prices.cost(call.model, call.tokens);
      costUsd += cost.costUsd;
      // A model without a price is charged against budgets at the table's highest prices.
      if (!cost.priced) {
        priced = false;
        unpricedUsd += this.prices.ceilingCost(call.tokens);
      }
      if (this.recordsMetrics) this.recordCall(caller, call, cost);
    }
    const accounted = this.tasks.run('account-turn', async () => {
      await Promise.all([
        this.limits.recordTokens(caller, tokens.inputTokens + tokens.outputTokens),
        // A model without a price is charged against budgets at the table's highest prices.
        this.budgets.record(caller, { costUsd, unpricedUsd }),
      ]);
    });
    // The usage row after the spend counters (a counter first read from the usage table, its
    // seed, must not find this turn there and then add it again) and after the turn's own write
    // (it names the conversation only if that is stored). It counts against PARLEY_MAX_PENDING_WRITES
    // only then: the turn's write already counts for the turn.
    void this.tasks.enqueueAfter('save-usage', Promise.all([accounted, turn.written]), () =>
      this.usage.add({
        tenantId: caller.tenantId,
        keyId: caller.keyId,
        botId: turn.botId,
        conversationId: turn.conversationId,
        turnId: turn.turnId,
        model: turn.model,
        inputTokens: tokens.inputTokens,
        cachedInputTokens: tokens.cachedInputTokens,
        outputTokens: tokens.outputTokens,
        costUsd,
        priced,
        savedUsd: turn.savedUsd ?? 0,
      }),
    );
    return { costUsd };
  }

  /** One model call's tokens and cost in the metrics. */
  private recordCall(
    caller: Caller,
    call: { model: string; tokens: TokenCounts },
    cost: { costUsd: number; priced: boolean },
  ): void {
    const { tokens } = call;
    const labels = { model: call.model, tenant: this.tenants.label(caller.tenantId) };
    const cached = Math.min(tokens.cachedInputTokens, tokens.inputTokens);
    this.metrics.tokens.inc({ ...labels, kind: 'input' }, tokens.inputTokens - cached);
    this.metrics.tokens.inc({ ...labels, kind: 'cached_input' }, cached);
    this.metrics.tokens.inc({ ...labels, kind: 'output' }, tokens.outputTokens);
    if (cost.priced) this.metrics.cost.inc(labels, cost.costUsd);
    else this.metrics.unpricedTurns.inc({ model: call.model });
  }
}
