// The embedded database's replies leave in one piece per protocol cycle, as PostgreSQL's backend
// sends them: a parameterised query is one socket write, not one per reply message.
import { PGlite } from '@electric-sql/pglite';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionQueue } from './session-queue.js';

/** The type letters of the reply messages in a chunk of backend output. */
function replyTypes(chunk: Uint8Array): string {
  const buffer = Buffer.from(chunk);
  let types = '';
  for (let at = 0; at < buffer.length; at += 1 + buffer.readInt32BE(at + 1)) {
    types += String.fromCharCode(buffer[at] ?? 0);
  }
  return types;
}

describe('SessionQueue replies', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
  });
  afterAll(async () => {
    await db?.close();
  });

  async function send(queue: SessionQueue, handler: number, messages: Buffer[], writes: string[]) {
    for (const message of messages) {
      await queue.enqueue(handler, new Uint8Array(message), (chunk) => writes.push(replyTypes(chunk)));
    }
  }

  it('writes a whole extended-protocol cycle once, at its Sync', async () => {
    const queue = new SessionQueue(db);
    const writes: string[] = [];
    await send(
      queue,
      1,
      [
        serialize.parse({ text: 'select $1::int + 1 as v', types: [] }),
        serialize.bind({ values: ['41'] }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
      ],
      writes,
    );
    expect(writes).toEqual([]);
    await send(queue, 1, [serialize.sync()], writes);
    expect(writes).toEqual(['12TDCZ']);
  });

  it('answers a Flush at once, and an error with the rest of its cycle', async () => {
    const queue = new SessionQueue(db);
    const writes: string[] = [];
    await send(
      queue,
      2,
      [serialize.parse({ text: 'select 1', name: 'probe', types: [] }), serialize.flush()],
      writes,
    );
    expect(writes).toEqual(['1']);
    await send(queue, 2, [serialize.parse({ text: 'select from no_such_table', types: [] })], writes);
    await send(queue, 2, [serialize.bind({}), serialize.execute({}), serialize.sync()], writes);
    // The failed Parse's error, then the backend skips to Sync and is ready again.
    expect(writes).toEqual(['1', 'EZ']);
  });

  it('keeps another connection waiting until the cycle ends, and gives each its own replies', async () => {
    const queue = new SessionQueue(db);
    const first: string[] = [];
    const second: string[] = [];
    const a = send(queue, 3, [serialize.parse({ text: 'select 1', types: [] }), serialize.bind({})], first);
    const b = send(queue, 4, [serialize.query('select 2')], second);
    await a;
    expect(second).toEqual([]);
    await send(queue, 3, [serialize.execute({}), serialize.sync()], first);
    await b;
    expect(first).toEqual(['12DCZ']);
    expect(second).toEqual(['TDCZ']);
  });
});
