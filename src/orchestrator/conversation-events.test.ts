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
  const bus = async (redis?: RedisConnection) => {
    const events = new ConversationEvents(redis, log);
    opened.push(events);
    return events;
  };

  it('tells the watchers of one conversation of one tenant, and stops when they leave', async () => {
    const events = await bus();
    const heard: ConversationEvent[] = [];
    const other: ConversationEvent[] = [];
    const stop = events.subscribe('t1', 'c1', (event) => heard.push(event));
    events.subscribe('t2', 'c1', (event) => other.push(event));
    events.publish('t1', 'c1', { type: 'state', state: 'active' });
    events.publish('t1', 'c2', { type: 'state', state: 'active' });
    expect(heard).toEqual([{ type: 'state', state: 'active' }]);
    expect(other).toEqual([]);
    stop();
    events.publish('t1', 'c1', { type: 'state', state: 'closed' });
    expect(heard).toHaveLength(1);
  });

  it('reaches the other replicas through Redis, once each', async () => {
    const redisA = await connectRedis('redis://127.0.0.1:6379', log);
    const redisB = await connectRedis('redis://127.0.0.1:6379', log);
    opened.push(redisA!, redisB!);
    const [a, b] = [await bus(redisA), await bus(redisB)];
    const tenant = `t-${process.pid}-${Date.now()}`;
    const onA: ConversationEvent[] = [];
    const onB: ConversationEvent[] = [];
    a.subscribe(tenant, 'c', (event) => onA.push(event));
    b.subscribe(tenant, 'c', (event) => onB.push(event));
    // B listens once its subscription is in place: until then, what A publishes passes it by.
    const deadline = Date.now() + 10_000;
    while (onB.length === 0) {
      if (Date.now() > deadline) throw new Error('replica B never heard replica A');
      a.publish(tenant, 'c', { type: 'state', state: 'handed_off' });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const reply: ConversationEvent = {
      type: 'agent_reply',
      id: 'm1',
      text: 'Hi',
      author: 'agent',
      created_at: '2026-01-01T00:00:00.000Z',
    };
    const pings = onA.length;
    a.publish(tenant, 'c', reply);
    await expect.poll(() => onB.filter((event) => event.type === 'agent_reply')).toEqual([reply]);
    // A heard its own once, at once; Redis's copy of it is not told again.
    b.publish(tenant, 'c', { type: 'state', state: 'active' });
    await expect.poll(() => onA.at(-1)).toEqual({ type: 'state', state: 'active' });
    expect(onA.slice(pings)).toEqual([reply, { type: 'state', state: 'active' }]);
    expect(onB.filter((event) => event.type === 'state' && event.state === 'active')).toHaveLength(1);
  });
});
