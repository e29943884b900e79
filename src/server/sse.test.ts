import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { readEvents } from '../../test/support/event-stream.js';
import { openSse, type SseStream } from './sse.js';

/** A server whose one route opens a stream and hands it to the test, recording each socket write. */
async function streamServer(flushMs: number) {
  const app = Fastify();
  const writes: string[] = [];
  const onWrite: (() => void)[] = [];
  let opened!: (sse: SseStream) => void;
  const stream = new Promise<SseStream>((resolve) => {
    opened = resolve;
  });
  app.get('/stream', async (request, reply) => {
    const raw = reply.raw;
    const write = raw.write.bind(raw) as (chunk: string) => boolean;
    const end = raw.end.bind(raw) as (chunk?: string) => typeof raw;
    const record = (chunk: string) => {
      writes.push(chunk);
      for (const wake of onWrite.splice(0)) wake();
    };
    raw.write = ((chunk: string) => {
      record(String(chunk));
      return write(chunk);
    }) as typeof raw.write;
    raw.end = ((chunk?: string) => {
      if (typeof chunk === 'string') record(chunk);
      return end(chunk);
    }) as typeof raw.end;
    opened(openSse(request, reply, { flushMs }));
    return reply;
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  /** Resolves once `count` writes went to the socket. */
  const writesReach = async (count: number) => {
    while (writes.length < count) await new Promise<void>((resolve) => onWrite.push(resolve));
  };
  return { app, url: `${url}/stream`, writes, stream, writesReach };
}

describe('openSse', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("sends an answer's first token at once and the tokens after it together, each its own event", async () => {
    // An interval no test run outlasts: what is held goes out with the end.
    const server = await streamServer(60_000);
    app = server.app;
    const reader = await readEvents(server.url, {}, { ids: true });
    const sse = await server.stream;

    expect(sse.sendMessage({ event: 'meta', data: { turn_id: 't' } })).toBeUndefined();
    expect(sse.sendMessage({ event: 'token', data: { text: 'One' }, batch: true })).toBeUndefined();
    expect(sse.sendMessage({ event: 'token', data: { text: ' two' }, batch: true })).toBeUndefined();
    expect(sse.sendMessage({ event: 'token', data: { text: ' three' }, batch: true })).toBeUndefined();
    expect(server.writes).toHaveLength(2);
    expect(await reader.next()).toEqual({ event: 'meta', data: { turn_id: 't' }, id: '0' });
    expect(await reader.next()).toEqual({ event: 'token', data: { text: 'One' }, id: '1' });

    sse.end([{ event: 'done', data: { mode: 'generated' } }]);
    expect(server.writes).toHaveLength(3);
    expect(server.writes[2]).toContain('event: token\ndata: {"text":" two"}');
    expect(server.writes[2]).toContain('event: done');
    expect(await reader.next()).toEqual({ event: 'token', data: { text: ' two' }, id: '2' });
    expect(await reader.next()).toEqual({ event: 'token', data: { text: ' three' }, id: '3' });
    expect(await reader.next()).toEqual({ event: 'done', data: { mode: 'generated' }, id: '4' });
    await reader.ended;
  });

  it('writes held tokens when the interval is over, without waiting for more', async () => {
    const server = await streamServer(20);
    app = server.app;
    const reader = await readEvents(server.url);
    const sse = await server.stream;

    sse.sendMessage({ event: 'token', data: { text: 'A' }, batch: true });
    sse.sendMessage({ event: 'token', data: { text: ' b' }, batch: true });
    sse.sendMessage({ event: 'token', data: { text: ' c' }, batch: true });
    await server.writesReach(2);
    expect(server.writes[1]).toContain('" b"');
    expect(server.writes[1]).toContain('" c"');
    expect(await reader.next()).toEqual({ event: 'token', data: { text: 'A' } });
    expect(await reader.next()).toEqual({ event: 'token', data: { text: ' b' } });
    expect(await reader.next()).toEqual({ event: 'token', data: { text: ' c' } });
    sse.end();
    await reader.ended;
  });

  it('sends a message that may not wait at once, after the tokens held before it', async () => {
    const server = await streamServer(60_000);
    app = server.app;
    const reader = await readEvents(server.url);
    const sse = await server.stream;

    sse.sendMessage({ event: 'token', data: { text: 'A' }, batch: true });
    sse.sendMessage({ event: 'token', data: { text: ' b' }, batch: true });
    sse.sendMessage({ event: 'error', data: { code: 'X' } });
    expect(server.writes).toHaveLength(2);
    expect((await reader.next()).event).toBe('token');
    expect(await reader.next()).toEqual({ event: 'token', data: { text: ' b' } });
    expect(await reader.next()).toEqual({ event: 'error', data: { code: 'X' } });
    sse.end();
    await reader.ended;
  });

  it('writes every message on its own with an interval of 0', async () => {
    const server = await streamServer(0);
    app = server.app;
    const reader = await readEvents(server.url);
    const sse = await server.stream;

    for (const text of ['A', ' b', ' c']) sse.sendMessage({ event: 'token', data: { text }, batch: true });
    expect(server.writes).toHaveLength(3);
    sse.end();
    expect((await reader.next()).data).toEqual({ text: 'A' });
    await reader.ended;
  });
});
