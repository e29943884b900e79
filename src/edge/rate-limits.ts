// Rate limits per API key, per tenant, per client IP and per end user (a signed-in user, one a key
// acts for, else a widget visitor: one user's flood leaves the key's other users alone): requests
// per minute, and model tokens
// per minute (a turn's real tokens are counted once it ends; a new turn is refused while the
// bucket is spent). rate-limiter-flexible keeps the counters: in process memory, or in Redis when
// REDIS_URL is set so that every replica sees one limit. While Redis is unreachable each limiter
// falls back to an in-memory one (its insurance limiter), counted in parley_rate_limit_fallbacks_total.
import {
  type IRateLimiterOptions,
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Caller } from '../accounting/index.js';
import { ParleyError } from '../errors/index.js';
import type { RedisConnection } from '../storage/index.js';

export type LimitScope = 'key' | 'tenant' | 'ip' | 'user';
export type LimitKind = 'requests' | 'tokens';

export interface RateLimitSettings {
  requestsPerMinute: Record<LimitScope, number>;
  tokensPerMinute: Record<'key' | 'tenant', number>;
}

/** The tightest request limit that applied, for the RateLimit-* response headers. */
export interface LimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

const WINDOW_SECONDS = 60;

/** The in-memory insurance of a Redis limiter: counts every operation Redis could not answer. */
export class FallbackLimiter extends RateLimiterMemory {
  constructor(
    options: IRateLimiterOptions,
    private readonly onFallback: () => void,
  ) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>) {
    this.onFallback();
    return super.consume(key, points, options);
  }

  override penalty(key: string | number, points?: number, options?: Record<string, unknown>) {
    this.onFallback();
    return super.penalty(key, points, options);
  }

  override get(key: string | number, options?: Record<string, unknown>) {
    this.onFallback();
    return super.get(key, options);
  }
}

const SCOPE_NAMES: Record<LimitScope, string> = {
  key: 'API key',
  tenant: 'tenant',
  ip: 'client address',
  user: 'user',
};

export class RateLimitedError extends ParleyError {
  constructor(
    readonly scope: LimitScope,
    readonly kind: LimitKind,
    retryAfterSeconds: number,
    headers: Record<string, string> = {},
  ) {
    super(
      'PARLEY_ERR_RATE_LIMITED',
      `${kind === 'tokens' ? 'model tokens' : 'requests'} per minute exceeded for this ${SCOPE_NAMES[scope]}; retry in ${retryAfterSeconds} s`,
      { isRetryable: true, headers: { ...headers, 'retry-after': String(retryAfterSeconds) } },
    );
  }
}

/**
 * Whom a limit of `scope` counts the caller as. A user is counted within their tenant (two
 * tenants' users of one name are two people); a signed-in user before the visitor they browse as.
 */
function subjectOf(scope: LimitScope, caller: Caller): string | undefined {
  switch (scope) {
    case 'key':
      return caller.keyId ?? undefined;
    case 'tenant':
      return caller.tenantId;
    case 'ip':
      return caller.ip;
    case 'user':
      if (caller.userId !== undefined) return `${caller.tenantId}|user|${caller.userId}`;
      return caller.visitorId !== undefined ? `${caller.tenantId}|visitor|${caller.visitorId}` : undefined;
  }
}

export class RateLimits {
  private readonly requests = new Map<LimitScope, { limiter: RateLimiterAbstract; points: number }>();
  private readonly tokens = new Map<'key' | 'tenant', { limiter: RateLimiterAbstract; points: number }>();

  constructor(settings: RateLimitSettings, redis: RedisConnection | undefined, onFallback: () => void) {
    const build = (name: string, points: number): RateLimiterAbstract => {
      const options = { keyPrefix: `parley:rl:${name}`, points, duration: WINDOW_SECONDS };
      if (!redis) return new RateLimiterMemory(options);
      return new RateLimiterRedis({
        ...options,
        storeClient: redis.client,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new FallbackLimiter(options, onFallback),
      });
    };
    for (const [scope, points] of Object.entries(settings.requestsPerMinute) as [LimitScope, number][]) {
      if (points > 0) this.requests.set(scope, { limiter: build(`req:${scope}`, points), points });
    }
    for (const [scope, points] of Object.entries(settings.tokensPerMinute) as ['key' | 'tenant', number][]) {
      if (points > 0) this.tokens.set(scope, { limiter: build(`tok:${scope}`, points), points });
    }
  }

  /**
   * Counts one request against the limits of `scopes`; throws RateLimitedError (429, with
   * Retry-After) when one is exceeded. Returns the tightest state, for RateLimit-* headers.
   */
  async admitRequest(caller: Caller, scopes: readonly LimitScope[]): Promise<LimitState | undefined> {
    const checks = scopes.flatMap((scope) => {
      const entry = this.requests.get(scope);
      const subject = subjectOf(scope, caller);
      return entry && subject !== undefined ? [{ scope, ...entry, subject }] : [];
    });
    if (checks.length === 0) return undefined;
    const outcomes = await Promise.all(
      checks.map(async (check) => {
        try {
          return { check, res: await check.limiter.consume(check.subject), refused: false };
        } catch (error) {
          // A RateLimiterRes is a refusal; anything else (a store error with no insurance) lets
          // the request through rather than failing it.
          if (error instanceof RateLimiterRes) return { check, res: error, refused: true };
          return undefined;
        }
      }),
    );
    let tightest: LimitState | undefined;
    let refusal: { scope: LimitScope; ms: number } | undefined;
    for (const outcome of outcomes) {
      if (!outcome) continue;
      const state = {
        limit: outcome.check.points,
        remaining: Math.max(0, outcome.res.remainingPoints),
        resetSeconds: Math.ceil(outcome.res.msBeforeNext / 1000),
      };
      if (!tightest || state.remaining < tightest.remaining) tightest = state;
      if (outcome.refused && (!refusal || outcome.res.msBeforeNext > refusal.ms)) {
        refusal = { scope: outcome.check.scope, ms: outcome.res.msBeforeNext };
      }
    }
    if (refusal) {
      throw new RateLimitedError(
        refusal.scope,
        'requests',
        Math.max(1, Math.ceil(refusal.ms / 1000)),
        tightest ? limitHeaders(tightest) : {},
      );
    }
    return tightest;
  }

  /** Refuses a turn (429) while the caller's token bucket for this minute is already spent. */
  async admitTokens(caller: Caller): Promise<void> {
    const states = await Promise.all(
      [...this.tokens].map(async ([scope, { limiter, points }]) => {
        const subject = subjectOf(scope, caller);
        if (subject === undefined) return undefined;
        const res = await limiter.get(subject).catch(() => null);
        return res && res.consumedPoints >= points ? { scope, ms: res.msBeforeNext } : undefined;
      }),
    );
    const spent = states.filter((state) => state !== undefined).sort((a, b) => b.ms - a.ms)[0];
    if (spent) throw new RateLimitedError(spent.scope, 'tokens', Math.max(1, Math.ceil(spent.ms / 1000)));
  }

  /** Counts a finished turn's model tokens (never refuses: the turn has happened). */
  async recordTokens(caller: Caller, tokens: number): Promise<void> {
    if (tokens <= 0) return;
    await Promise.all(
      [...this.tokens].map(async ([scope, { limiter }]) => {
        const subject = subjectOf(scope, caller);
        if (subject !== undefined) await limiter.penalty(subject, tokens).catch(() => {});
      }),
    );
  }
}

/** RateLimit-* (IETF draft) and X-RateLimit-* headers for a limit state. */
export function limitHeaders(state: LimitState): Record<string, string> {
  const values = {
    limit: String(state.limit),
    remaining: String(state.remaining),
    reset: String(state.resetSeconds),
  };
  return {
    'ratelimit-limit': values.limit,
    'ratelimit-remaining': values.remaining,
    'ratelimit-reset': values.reset,
    'x-ratelimit-limit': values.limit,
    'x-ratelimit-remaining': values.remaining,
    'x-ratelimit-reset': values.reset,
  };
}
