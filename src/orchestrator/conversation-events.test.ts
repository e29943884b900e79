// The conversation event bus: this process's watchers hear at once, other replicas through Redis
// pub/sub (the Redis of the test machine), each event once, and only its own conversation's.
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisConnection } from '../storage/index.js';
import { createLogger } from '../telemetry/index.js';
import { type ConversationEvent, ConversationEvents } from './conversation-events.js';

const log = createLogger('silent');

describe('ConversationEvents', () => {
  const opened: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const thing of opened.reverse()) await thing.close();
  });
  const bus = (redis?: RedisConnection) => {
    const events = new ConversationEvents(redis, log);
    opened.push(events);
    return events;
  };

  it('tells the watchers of one conversation of one tenant, and stops when they leave', async () => {
    const events = bus();
    const heard: ConversationEvent[] = [];
    const other: ConversationEvent[] = [];
    const stop = events.subscribe('t1', 'c1', (event) => heard.push(event));
    events.subscribe('t2', 'c1', (event) => other.push(event));
    events.publish('t1', 'c1', { type: 'state', state: 'active' });
    events.publish('t1', 'c2', { type: 'state', state: 'active' });
    expect(heard).toEqual([{ type: 'state', state: 'active' }]);
    expect(other).toEqual([]);
    expect(events.watchers).toBe(2);
    stop();
    stop();
    expect(events.watchers).toBe(1);
    events.publish('t1', 'c1', { type: 'state', state: 'closed' });
    expect(heard).toHaveLength(1);
  });

  it('reaches the other replicas through Redis, once each', async () => {
    const redisA = await connectRedis('redis://127.0.0.1:6379', log);
    const redisB = await connectRedis('redis://127.0.0.1:6379', log);
    opened.push(redisA!, redisB!);
    const [a, b] = [bus(redisA), bus(redisB)];
    const tenant = `t-${process.pid}-${Date.now()}`;
    const onA: ConversationEvent[] = [];
    const onB: ConversationEvent[] = [];
    a.subscribe(tenant, 'c', (event) => onA.push(event));
    b.subscribe(tenant, 'c', (event) => onB.push(event));
    // Each hears the other once its subscription is in place.
    await a.ready(10_000);
    await b.ready(10_000);
    const reply: ConversationEvent = {
      type: 'agent_reply',
      id: 'm1',
      text: 'Hi',
      author: 'agent',
      created_at: '2026-01-01T00:00:00.000Z',
    };
    a.publish(tenant, 'c', reply);
    expect(onA).toEqual([reply]); // at once, in process
    await expect.poll(() => onB, { timeout: 10_000 }).toEqual([reply]);
    // A heard its own once, at once; Redis's copy of it is not told again.
    b.publish(tenant, 'c', { type: 'state', state: 'active' });
    await expect.poll(() => onA.at(-1), { timeout: 10_000 }).toEqual({ type: 'state', state: 'active' });
    expect(onA).toEqual([reply, { type: 'state', state: 'active' }]);
    expect(onB).toEqual([reply, { type: 'state', state: 'active' }]);
  });
});
