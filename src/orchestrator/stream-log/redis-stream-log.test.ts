// Against the real Redis of the tests: two logs stand for two replicas (each with its own process
// memory), so what one writes the other reads only through Redis.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisConnection } from '../../storage/index.js';
import { createLogger } from '../../telemetry/index.js';
import { MemoryStreamLog } from './memory-stream-log.js';
import { RedisStreamLog } from './redis-stream-log.js';
import { isStreamLost, type StoredStream, type StreamEntry } from './stream-log.js';

const limits = { lifetimeMs: 60_000, maxStreamBytes: 10_000, maxTotalBytes: 100_000 };

/** Waits for `check` to return a value (the batch reaches Redis a tick or two after the append). */
async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function readAll(stream: StoredStream, after = 0) {
  const entries: StreamEntry[] = [];
  for await (const entry of stream.read(after, new AbortController().signal)) entries.push(entry);
  return entries;
}

describe('RedisStreamLog', () => {
  const log = createLogger('silent');
  let redis: RedisConnection;
  const replica = () => new RedisStreamLog(redis, new MemoryStreamLog(limits), limits, log);
  beforeAll(async () => {
    redis = new RedisConnection(inject('redisUrl'), log);
    // Fails loudly when Redis is unreachable (global-setup checked it already).
    expect(await redis.ready()).toBe(true);
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('lets another replica replay the stream and follow it live, each event once, in order', async () => {
    const [a, b] = [replica(), replica()];
    const key = { tenantId: randomUUID(), turnId: randomUUID() };
    const writer = a.open(key, 'conv-1');
    writer.append('meta', '{"turn":1}');
    for (let i = 0; i < 50; i++) writer.append('token', JSON.stringify({ text: `t${i} ` }));
    // Written in a batch on the next tick: found once it is there.
    const stream = await until(() => b.find(key));
    expect(stream.conversationId).toBe('conv-1');
    expect(await writer.followed()).toBe(false);
    const reading = readAll(stream, 10);
    // Live: more tokens, over several ticks, then the end.
    for (let i = 50; i < 100; i++) {
      writer.append('token', JSON.stringify({ text: `t${i} ` }));
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    writer.append('done', '{}');
    writer.close();
    const entries = await reading;
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 92 }, (_, i) => i + 11));
    expect(entries.at(-1)?.event).toBe('done');
    expect(
      entries
        .slice(0, -1)
        .map((entry) => JSON.parse(entry.data).text)
        .join(''),
    ).toBe(Array.from({ length: 100 - 9 }, (_, i) => `t${i + 9} `).join(''));
    expect(await writer.followed()).toBe(true);
    // The writer's own replica reads from its memory, the same events.
    expect((await readAll((await a.find(key))!, 10)).map((entry) => entry.seq)).toEqual(
      entries.map((entry) => entry.seq),
    );
  });

  it("does not find another tenant's stream", async () => {
    const [a, b] = [replica(), replica()];
    const key = { tenantId: randomUUID(), turnId: randomUUID() };
    a.open(key, 'conv-1').append('meta', '{}');
    await until(() => b.find(key));
    expect(await b.find({ tenantId: randomUUID(), turnId: key.turnId })).toBeUndefined();
  });

  it('sets the lifetime on the shared copy', async () => {
    const a = replica();
    const key = { tenantId: randomUUID(), turnId: randomUUID() };
    a.open(key, 'conv-1').append('done', '{}');
    const ttl = await until(async () => {
      const left = await redis.client.pttl(`parley:turn-stream:${key.tenantId}:${key.turnId}`);
      return left > 0 ? left : undefined;
    });
    expect(ttl).toBeLessThanOrEqual(limits.lifetimeMs);
  });

  it('marks a stream that outgrew its bound, so a reader on another replica stops instead of skipping', async () => {
    const small = { ...limits, maxStreamBytes: 300 };
    const a = new RedisStreamLog(redis, new MemoryStreamLog(limits), small, log);
    const b = replica();
    const key = { tenantId: randomUUID(), turnId: randomUUID() };
    const writer = a.open(key, 'conv-1');
    writer.append('meta', '{}');
    const stream = await until(() => b.find(key));
    const reading = readAll(stream).catch((error: unknown) => error);
    for (let i = 0; i < 20; i++) writer.append('token', JSON.stringify({ text: 'z'.repeat(30) }));
    writer.append('done', '{}');
    expect(isStreamLost(await reading)).toBe(true);
  });
});
