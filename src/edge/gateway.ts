// The gateway: what stands between a request and the pipeline. Rate limits on every request
// (but health, readiness and metrics), token limits and budgets before a turn, and after it the
// accounting: cost by the price table, tokens and spend counted, a usage row written off the
// critical path. Built once at start-up from the config; closed on shutdown.

import {
  type Admission,
  type Caller,
  insertUsage,
  PriceTable,
  type TurnAccounting,
  type TurnFacts,
  type UsageRecord,
} from '../accounting/index.js';
import type { Config } from '../config/index.js';
import { type Database, GroupWriter } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';
import { BudgetWebhook } from './budget-webhook.js';
import { Budgets } from './budgets.js';
import { createGatewayMetrics, type GatewayMetrics, TenantLabels } from './gateway-metrics.js';
import { type LimitScope, type LimitState, RateLimitedError, RateLimits } from './rate-limits.js';
import { RedisConnection } from './redis-connection.js';
import { SpendLedger } from './spend-ledger.js';

/** Runs work after the response, with retries (the chat layer's WriteBehind). */
export interface BackgroundWriter {
  enqueue(name: string, task: () => Promise<void>): void;
}

export class Gateway implements TurnAccounting {
  readonly metrics: GatewayMetrics;
  readonly prices: PriceTable;
  readonly budgets: Budgets;
  private readonly limits: RateLimits;
  private readonly tenants: TenantLabels;
  private readonly webhook: BudgetWebhook;
  private readonly pending = new Set<Promise<void>>();
  /** Usage rows, written in groups (one statement for all the turns that end together). */
  private readonly usage: GroupWriter<UsageRecord>;
  /** PARLEY_TELEMETRY=off: per-turn token and cost counters are not recorded (usage rows still are). */
  private readonly recordsMetrics: boolean;

  constructor(
    config: Config,
    db: Database,
    private readonly writeBehind: BackgroundWriter,
    private readonly log: Logger,
    private readonly redis: RedisConnection | undefined,
  ) {
    this.metrics = createGatewayMetrics(() => (redis ? (redis.up ? 1 : 0) : undefined));
    this.recordsMetrics = config.PARLEY_TELEMETRY === 'on';
    this.usage = new GroupWriter((records) => insertUsage(db, records));
    const fallback = () => this.metrics.limiterFallbacks.inc();
    this.prices = new PriceTable(config.PARLEY_PRICES ?? {});
    this.tenants = new TenantLabels(config.PARLEY_METRICS_MAX_TENANTS);
    this.limits = new RateLimits(
      {
        requestsPerMinute: {
          key: config.PARLEY_RATE_REQUESTS_PER_MINUTE_KEY,
          tenant: config.PARLEY_RATE_REQUESTS_PER_MINUTE_TENANT,
          ip: config.PARLEY_RATE_REQUESTS_PER_MINUTE_IP,
        },
        tokensPerMinute: {
          key: config.PARLEY_RATE_TOKENS_PER_MINUTE_KEY,
          tenant: config.PARLEY_RATE_TOKENS_PER_MINUTE_TENANT,
        },
      },
      redis,
      fallback,
    );
    this.webhook = new BudgetWebhook(
      config.PARLEY_BUDGET_WEBHOOK_URL,
      config.PARLEY_BUDGET_WEBHOOK_TIMEOUT_MS,
      log,
    );
    this.budgets = new Budgets(
      db,
      new SpendLedger(db, redis, fallback),
      {
        defaults: {
          tenant: {
            day: config.PARLEY_BUDGET_TENANT_DAILY_USD,
            month: config.PARLEY_BUDGET_TENANT_MONTHLY_USD,
          },
          key: { day: config.PARLEY_BUDGET_KEY_DAILY_USD, month: config.PARLEY_BUDGET_KEY_MONTHLY_USD },
        },
        warnAt: config.PARLEY_BUDGET_WARN_AT,
        policy: config.PARLEY_BUDGET_POLICY,
      },
      this.webhook,
      this.metrics,
      log,
    );
  }

  /** Connects to Redis when REDIS_URL is set (a Redis that is down does not stop start-up). */
  static async create(
    config: Config,
    db: Database,
    writeBehind: BackgroundWriter,
    log: Logger,
  ): Promise<Gateway> {
    const redis = config.REDIS_URL ? new RedisConnection(config.REDIS_URL, log) : undefined;
    if (redis && !(await redis.ready())) {
      log.warn('redis did not answer at start-up: rate limits and spend are per process until it does');
    }
    return new Gateway(config, db, writeBehind, log, redis);
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
    const { tokens } = turn;
    const { costUsd, priced } = turn.generated
      ? this.prices.cost(turn.model, tokens)
      : { costUsd: 0, priced: true };
    if (turn.generated && this.recordsMetrics) {
      const labels = { model: turn.model, tenant: this.tenants.label(caller.tenantId) };
      const cached = Math.min(tokens.cachedInputTokens, tokens.inputTokens);
      this.metrics.tokens.inc({ ...labels, kind: 'input' }, tokens.inputTokens - cached);
      this.metrics.tokens.inc({ ...labels, kind: 'cached_input' }, cached);
      this.metrics.tokens.inc({ ...labels, kind: 'output' }, tokens.outputTokens);
      if (priced) this.metrics.cost.inc(labels, costUsd);
      else this.metrics.unpricedTurns.inc({ model: turn.model });
    }
    this.background(async () => {
      await Promise.all([
        this.limits.recordTokens(caller, tokens.inputTokens + tokens.outputTokens),
        this.budgets.record(caller, costUsd),
      ]);
    });
    this.writeBehind.enqueue('save-usage', () =>
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
      }),
    );
    return { costUsd };
  }

  /** Waits for background accounting and webhook posts, then disconnects from Redis. */
  async close(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.webhook.drain();
    await this.redis?.close();
  }

  private background(task: () => Promise<void>): void {
    const run = task()
      .catch((error: unknown) => this.log.warn({ err: error }, 'turn accounting failed (limits or budgets)'))
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }
}
