import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { openSse } from './sse.js';

/**
 * A server whose one route streams three tokens (the last two at once, right after the first)
 * and then ends, recording each write to the socket; `wrote(n)` settles once n writes were made.
 */
async function streamingServer(flushMs: number) {
  const writes: string[] = [];
  let ended = '';
  const waiting: { count: number; resolve: () => void }[] = [];
  const wrote = (count: number) =>
    new Promise<void>((resolve) => {
      if (writes.length >= count) resolve();
      else waiting.push({ count, resolve });
    });
  const app = Fastify();
  app.get('/stream', async (request, reply) => {
    const raw = reply.raw;
    const write = raw.write.bind(raw) as (chunk: string) => boolean;
    raw.write = ((chunk: string) => {
      writes.push(String(chunk));
      for (const waiter of waiting.filter((w) => writes.length >= w.count)) waiter.resolve();
      return write(chunk);
    }) as typeof raw.write;
    const end = raw.end.bind(raw) as (chunk?: string) => typeof raw;
    raw.end = ((chunk?: string) => {
      ended = chunk ?? '';
      return end(chunk);
    }) as typeof raw.end;
    const sse = openSse(request, reply, { flushMs });
    sse.send('token', { text: 'a' });
    sse.send('token', { text: 'b' });
    sse.send('token', { text: 'c' });
    await wrote(flushMs > 0 ? 2 : 3);
    sse.send('token', { text: 'd' });
    sse.end([{ event: 'done', data: {} }]);
    return reply;
  });
  return { app, writes, ended: () => ended };
}

const events = (text: string) =>
  [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => `${m[1]} ${m[2]}`);

describe('openSse', () => {
  it('writes the first message at once and the ones that follow within flushMs together, each its own event', async () => {
    const { app, writes, ended } = await streamingServer(40);
    const response = await app.inject({ method: 'GET', url: '/stream' });
    expect(events(writes[0]!)).toEqual(['token {"text":"a"}']);
    // b and c came within the window: one write, two events.
    expect(events(writes[1]!)).toEqual(['token {"text":"b"}', 'token {"text":"c"}']);
    // d was waiting when the stream ended: it leaves with the end, before done.
    expect(events(ended())).toEqual(['token {"text":"d"}', 'done {}']);
    expect(events(response.body)).toEqual([
      'token {"text":"a"}',
      'token {"text":"b"}',
      'token {"text":"c"}',
      'token {"text":"d"}',
      'done {}',
    ]);
    await app.close();
  });

  it('writes every message at once with flushMs 0', async () => {
    const { app, writes } = await streamingServer(0);
    const response = await app.inject({ method: 'GET', url: '/stream' });
    // (end's own chunk follows: ServerResponse.end writes it)
    expect(writes.slice(0, 4).map(events)).toEqual([
      ['token {"text":"a"}'],
      ['token {"text":"b"}'],
      ['token {"text":"c"}'],
      ['token {"text":"d"}'],
    ]);
    expect(events(response.body)).toHaveLength(5);
    await app.close();
  });
});
