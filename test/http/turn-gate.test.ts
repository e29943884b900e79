// PARLEY_MAX_ACTIVE_TURNS: a turn waits in line for a place; none in time, a 503 with Retry-After.
// PARLEY_MAX_PENDING_WRITES: while the database cannot store turns, new ones wait in the same line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.js';
import { type StubProvider, startStubProvider } from '../support/stub-provider/index.js';
import {
  eventually,
  ingestText,
  lockTable,
  startTestServer,
  stubModels,
  type TestServer,
  TIDES,
} from '../support/test-backend.js';

const ask = (server: TestServer, message: string) =>
  call<{ turn_id: string }>(server.parley.app, { method: 'POST', url: '/v1/chat', payload: { message } });

describe('a bound on turns answered at once (PARLEY_MAX_ACTIVE_TURNS)', () => {
  let stub: StubProvider;
  let server: TestServer;
  beforeAll(async () => {
    stub = await startStubProvider();
    server = await startTestServer('pglite', {
      ...stubModels(stub.url, 'openai:small-model'),
      PARLEY_MAX_ACTIVE_TURNS: '1',
      PARLEY_TURN_QUEUE_SECONDS: '1',
    });
    await ingestText(server, TIDES);
  });
  afterAll(async () => {
    await server?.close();
    await stub?.close();
  });

  it('lets a turn wait for a place, and answers 503 with Retry-After when none frees up in time', async () => {
    stub.delayNext(300, 2);
    const [first, second] = await Promise.all([
      ask(server, 'What causes the tides?'),
      ask(server, 'Does the Moon cause the tides?'),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(stub.maxConcurrentRequests).toBe(1);
    const waited = await eventually(async () => {
      const rows = await server.runtime.db.query<{ queue: number }>(
        `select (trace->'timings_ms'->>'queue')::float as queue from turn_traces where turn_id = any($1)`,
        [[first.body.turn_id, second.body.turn_id]],
      );
      return rows.length === 2 ? rows : undefined;
    });
    expect(Math.max(...waited.map((row) => row.queue))).toBeGreaterThan(200);

    stub.delayNext(2_500);
    const [slow, refused] = await Promise.all([
      ask(server, 'What causes the tides?'),
      (async () => {
        await stub.waitForRequests(stub.requests.length + 1);
        return ask(server, 'Does the Moon cause the tides?');
      })(),
    ]);
    expect(slow.status).toBe(200);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({ error: { code: 'PARLEY_ERR_OVERLOADED' } });
  });
});

describe('a bound on writes left behind (PARLEY_MAX_PENDING_WRITES)', () => {
  let stub: StubProvider;
  let server: TestServer;
  beforeAll(async () => {
    stub = await startStubProvider();
    server = await startTestServer('postgres', {
      ...stubModels(stub.url, 'openai:small-model'),
      PARLEY_MAX_PENDING_WRITES: '3',
      PARLEY_TURN_QUEUE_SECONDS: '2',
    });
    await ingestText(server, TIDES);
  });
  afterAll(async () => {
    await server?.close();
    await stub?.close();
  });

  it('holds new turns while turns cannot be stored, and answers them once the database catches up', async () => {
    // Another session holds the messages table: every finished turn stays in memory, unstored.
    const unlock = await lockTable(server, 'messages', 'exclusive');
    const statuses: number[] = [];
    try {
      for (let i = 0; i < 6 && !statuses.includes(503); i++) {
        statuses.push((await ask(server, 'What causes the tides?')).status);
      }
      // The first turns are answered; then the bound is reached and a turn waits, then gets 503.
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(statuses.at(-1)).toBe(503);
      expect(server.runtime.writeBehind.size).toBeLessThanOrEqual(3);
      expect(server.runtime.turnGate.state()).toMatchObject({ active: 0, waiting: 0 });

      // A turn waiting in line is answered as soon as the stored turns make room.
      const waiting = ask(server, 'Does the Moon cause the tides?');
      await eventually(async () => (server.runtime.turnGate.state().waiting === 1 ? true : undefined));
      await unlock();
      expect((await waiting).status).toBe(200);
    } finally {
      await unlock();
    }
    // Nothing was lost: every answered turn is stored.
    await eventually(async () => (server.runtime.writeBehind.size === 0 ? true : undefined));
    const [{ turns }] = (await server.runtime.db.query<{ turns: number }>(
      'select count(*)::int as turns from turn_traces',
    )) as [{ turns: number }];
    expect(turns).toBe(statuses.filter((status) => status === 200).length + 1);
  });
});
