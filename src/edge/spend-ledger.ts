// Spend per tenant and per key for the current day and month (UTC), the figures budgets compare
// with. Each counter starts from the usage table (so spend survives restarts) and then grows
// with every turn's cost. With Redis the counters live there (INCRBYFLOAT, shared by every
// replica; the first replica to need one seeds it from the table with SET NX); without it, or
// while Redis is unreachable, this process keeps them.

import { spendSince } from '../accounting/index.js';
import type { Database, RedisConnection } from '../storage/index.js';

export type BudgetScope = 'tenant' | 'key';
export type BudgetPeriod = 'day' | 'month';

/** One spend counter: a tenant's or a key's, for a day or a month. */
export interface SpendSubject {
  scope: BudgetScope;
  period: BudgetPeriod;
  tenantId: string;
  keyId?: string;
}

/** The current period of a counter: its name, its start and when it resets. */
export function periodOf(period: BudgetPeriod, now: Date): { bucket: string; since: Date; resetsAt: Date } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  if (period === 'month') {
    return {
      bucket: now.toISOString().slice(0, 7),
      since: new Date(Date.UTC(year, month, 1)),
      resetsAt: new Date(Date.UTC(year, month + 1, 1)),
    };
  }
  const day = now.getUTCDate();
  return {
    bucket: now.toISOString().slice(0, 10),
    since: new Date(Date.UTC(year, month, day)),
    resetsAt: new Date(Date.UTC(year, month, day + 1)),
  };
}

const MAX_LOCAL_COUNTERS = 100_000;

export class SpendLedger {
  /** This process's counters (without Redis), or the last values Redis returned (with it). */
  private readonly local = new Map<string, number>();
  private readonly seeded = new Map<string, Promise<void>>();
  /** Counters known to exist in Redis (seeded there by this process or another). */
  private readonly inRedis = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly redis: RedisConnection | undefined,
    private readonly onFallback: () => void,
  ) {}

  /** Current spend of each subject, in USD. */
  async read(subjects: readonly SpendSubject[], now = new Date()): Promise<number[]> {
    const keys = await this.prepare(subjects, now);
    if (this.redis?.up) {
      try {
        const values = await this.redis.client.mget(...keys);
        return values.map((value, index) => (value === null ? this.localValue(keys[index]!) : Number(value)));
      } catch {
        this.onFallback();
      }
    } else if (this.redis) {
      this.onFallback();
    }
    return keys.map((key) => this.localValue(key));
  }

  /** Adds `usd` to each subject; returns the new totals. */
  async add(subjects: readonly SpendSubject[], usd: number, now = new Date()): Promise<number[]> {
    const keys = await this.prepare(subjects, now);
    if (this.redis?.up) {
      try {
        const pipeline = this.redis.client.multi();
        subjects.forEach((subject, index) => {
          pipeline.incrbyfloat(keys[index]!, usd);
          pipeline.expireat(keys[index]!, expiry(subject.period, now));
        });
        const results = (await pipeline.exec()) ?? [];
        return keys.map((key, index) => {
          const [error, value] = results[index * 2] ?? [new Error('no reply'), null];
          if (error) throw error;
          this.local.set(key, Number(value));
          return Number(value);
        });
      } catch {
        this.onFallback();
      }
    } else if (this.redis) {
      this.onFallback();
    }
    return keys.map((key) => {
      const total = this.localValue(key) + usd;
      this.local.set(key, total);
      return total;
    });
  }

  /** The counters' keys, each seeded from the usage table the first time this process uses it. */
  private async prepare(subjects: readonly SpendSubject[], now: Date): Promise<string[]> {
    if (this.seeded.size > MAX_LOCAL_COUNTERS) this.prune(now);
    return Promise.all(
      subjects.map(async (subject) => {
        const { bucket, since } = periodOf(subject.period, now);
        const key = `parley:spend:${subject.scope}:${subject.tenantId}:${subject.keyId ?? ''}:${bucket}`;
        let seeding = this.seeded.get(key);
        if (!seeding) {
          seeding = this.seed(key, subject, since, now);
          this.seeded.set(key, seeding);
          seeding.catch(() => this.seeded.delete(key));
        }
        await seeding;
        if (this.redis?.up && !this.inRedis.has(key)) {
          // Seeded while Redis was down: hand it what this process knows (unless a replica did).
          await this.redis.client
            .set(key, String(this.localValue(key)), 'EXAT', expiry(subject.period, now), 'NX')
            .then(() => this.inRedis.add(key), this.onFallback);
        }
        return key;
      }),
    );
  }

  private async seed(key: string, subject: SpendSubject, since: Date, now: Date): Promise<void> {
    const spent = await spendSince(
      this.db,
      subject.scope === 'key' ? { tenantId: subject.tenantId, keyId: subject.keyId ?? '' } : subject,
      since,
    );
    this.local.set(key, spent);
    if (!this.redis?.up) return;
    // Only the first replica's seed counts; later ones find the counter already growing.
    await this.redis.client.set(key, String(spent), 'EXAT', expiry(subject.period, now), 'NX').then(
      () => this.inRedis.add(key),
      () => this.onFallback(),
    );
  }

  private localValue(key: string): number {
    return this.local.get(key) ?? 0;
  }

  /** Forgets the counters of past periods. */
  private prune(now: Date): void {
    const current = [periodOf('day', now).bucket, periodOf('month', now).bucket];
    for (const key of this.seeded.keys()) {
      if (!current.some((bucket) => key.endsWith(`:${bucket}`))) {
        this.seeded.delete(key);
        this.local.delete(key);
        this.inRedis.delete(key);
      }
    }
  }
}

/** A counter outlives its period by a day (Unix seconds), so late readers still find it. */
function expiry(period: BudgetPeriod, now: Date): number {
  return Math.floor(periodOf(period, now).resetsAt.getTime() / 1000) + 86_400;
}
