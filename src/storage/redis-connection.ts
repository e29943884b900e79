// The shared Redis of a scaled deployment: one client per process, created at start-up by the
// composition root (so every layer that needs it shares it) and closed on shutdown. Commands fail fast while Redis is unreachable (no offline
// queue, a short command timeout), so callers fall back to process-local state instead of
// waiting; every change of state is logged once, and `up` feeds the parley_redis_up gauge.
import { Redis } from 'ioredis';
import type { Logger } from '../telemetry/index.js';

export class RedisConnection {
  readonly client: Redis;
  private state: 'connecting' | 'up' | 'down' = 'connecting';

  constructor(url: string, log: Logger) {
    this.client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 1_000,
      retryStrategy: (attempt) => Math.min(attempt * 250, 5_000),
    });
    this.client.on('ready', () => {
      if (this.state !== 'up') log.info('redis connected: rate limits and spend are shared across replicas');
      this.state = 'up';
    });
    this.client.on('error', (error) => {
      if (this.state !== 'down') {
        log.warn({ err: error }, 'redis unavailable: rate limits and spend fall back to this process');
      }
      this.state = 'down';
    });
  }

  get up(): boolean {
    return this.client.status === 'ready';
  }

  /** Waits up to `timeoutMs` for the first connection; a Redis that is down does not stop start-up. */
  async ready(timeoutMs = 2_000): Promise<boolean> {
    if (this.up) return true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.client.once('ready', done);
    });
    return this.up;
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

/** Connects when a URL is given; a Redis that does not answer does not stop start-up (logged). */
export async function connectRedis(
  url: string | undefined,
  log: Logger,
): Promise<RedisConnection | undefined> {
  if (!url) return undefined;
  const redis = new RedisConnection(url, log);
  if (!(await redis.ready())) {
    log.warn('redis did not answer at start-up: rate limits and spend are per process until it does');
  }
  return redis;
}
