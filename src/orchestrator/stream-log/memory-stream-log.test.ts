import { describe, expect, it } from 'vitest';
import { MemoryStreamLog } from './memory-stream-log.js';
import { isStreamLost, type StoredStream, type StreamEntry } from './stream-log.js';

const KEY = { tenantId: 't1', turnId: 'turn-1' };
const limits = { lifetimeMs: 60_000, maxStreamBytes: 10_000, maxTotalBytes: 100_000 };

/** Reads a stream to its end (or until `signal` aborts), failing with a lost stream's error. */
async function readAll(stream: StoredStream, after = 0, signal = new AbortController().signal) {
  const entries: StreamEntry[] = [];
  for await (const entry of stream.read(after, signal)) entries.push(entry);
  return entries;
}

describe('MemoryStreamLog', () => {
  it('numbers events from 1 and replays those after the last one read, to the terminal event', async () => {
    const log = new MemoryStreamLog(limits);
    const writer = log.open(KEY, 'conv-1');
    expect(['meta', 'token', 'token', 'done'].map((event, i) => writer.append(event, `{"i":${i}}`))).toEqual([
      1, 2, 3, 4,
    ]);
    const stream = await log.find(KEY);
    expect(stream?.conversationId).toBe('conv-1');
    expect((await readAll(stream!, 2)).map((entry) => entry.seq)).toEqual([3, 4]);
    expect((await readAll(stream!)).map((entry) => entry.event)).toEqual(['meta', 'token', 'token', 'done']);
  });

  it('merges what is kept with what comes live, with nothing missing or repeated', async () => {
    const log = new MemoryStreamLog(limits);
    const writer = log.open(KEY, 'conv-1');
    writer.append('meta', '{}');
    writer.append('token', '{"text":"a"}');
    const reading = readAll((await log.find(KEY))!, 1);
    writer.append('token', '{"text":"b"}');
    await Promise.resolve();
    writer.append('token', '{"text":"c"}');
    writer.append('done', '{}');
    expect((await reading).map((entry) => entry.seq)).toEqual([2, 3, 4, 5]);
  });

  it('is found only under its own tenant', async () => {
    const log = new MemoryStreamLog(limits);
    log.open(KEY, 'conv-1').append('meta', '{}');
    expect(await log.find({ tenantId: 't2', turnId: 'turn-1' })).toBeUndefined();
    expect(await log.find({ tenantId: 't1', turnId: 'turn-2' })).toBeUndefined();
  });

  it('tells whether a reader came back, and stops a reader that leaves', async () => {
    const log = new MemoryStreamLog(limits);
    const writer = log.open(KEY, 'conv-1');
    writer.append('meta', '{}');
    expect(await writer.followed()).toBe(false);
    const controller = new AbortController();
    const reading = readAll((await log.find(KEY))!, 0, controller.signal);
    await Promise.resolve();
    expect(await writer.followed()).toBe(true);
    controller.abort();
    expect((await reading).map((entry) => entry.event)).toEqual(['meta']);
  });

  it('forgets a stream its lifetime after its last event', async () => {
    const log = new MemoryStreamLog({ ...limits, lifetimeMs: 20 });
    const writer = log.open(KEY, 'conv-1');
    writer.append('done', '{}');
    expect(await log.find(KEY)).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await log.find(KEY)).toBeUndefined();
    expect(log.bytes).toBe(0);
  });

  it('stops keeping a stream past its bound: a reader gets what came before, then a lost stream', async () => {
    const log = new MemoryStreamLog({ ...limits, maxStreamBytes: 200 });
    const writer = log.open(KEY, 'conv-1');
    writer.append('meta', '{}');
    const reading = readAll((await log.find(KEY))!).catch((error: unknown) => error);
    for (let i = 0; i < 10; i++) writer.append('token', JSON.stringify({ text: 'x'.repeat(40) }));
    const error = await reading;
    expect(isStreamLost(error)).toBe(true);
    expect(await log.find(KEY)).toBeUndefined();
    expect(log.bytes).toBe(0);
  });

  it('drops the oldest streams when the process keeps too much', async () => {
    const log = new MemoryStreamLog({ ...limits, maxTotalBytes: 300 });
    for (let i = 0; i < 5; i++) {
      const writer = log.open({ tenantId: 't1', turnId: `turn-${i}` }, 'conv');
      writer.append('token', JSON.stringify({ text: 'y'.repeat(80) }));
      writer.append('done', '{}');
    }
    expect(log.bytes).toBeLessThanOrEqual(300);
    expect(await log.find({ tenantId: 't1', turnId: 'turn-0' })).toBeUndefined();
    expect(await log.find({ tenantId: 't1', turnId: 'turn-4' })).toBeDefined();
  });

  it('ends the readers of a stream closed without a terminal event', async () => {
    const log = new MemoryStreamLog(limits);
    const writer = log.open(KEY, 'conv-1');
    writer.append('meta', '{}');
    const reading = readAll((await log.find(KEY))!).catch((error: unknown) => error);
    writer.close();
    expect(isStreamLost(await reading)).toBe(true);
  });
});
