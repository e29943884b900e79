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

/** A server with the tides document and a stub model, started before the block's tests and closed after. */
function gatedServer(kind: 'pglite' | 'postgres', env: Record<string, string>) {
  const running = {} as { stub: StubProvider; server: TestServer };
  beforeAll(async () => {
    running.stub = await startStubProvider();
    running.server = await startTestServer(kind, {
      ...stubModels(running.stub.url, 'openai:small-model'),
      ...env,
    });
    await ingestText(running.server, TIDES);
  });
  afterAll(async () => {
    await running.server?.close();
    await running.stub?.close();
  });
  return running;
}

describe('a bound on turns answered at once (PARLEY_MAX_ACTIVE_TURNS)', () => {
  const t = gatedServer('pglite', { PARLEY_MAX_ACTIVE_TURNS: '1', PARLEY_TURN_QUEUE_SECONDS: '1' });

  it('lets a turn wait for a place, and answers 503 with Retry-After when none frees up in time', async () => {
    t.stub.delayNext(300, 2);
    const [first, second] = await Promise.all([
      ask(t.server, 'What causes the tides?'),
      ask(t.server, 'Does the Moon cause the tides?'),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(t.stub.maxConcurrentRequests).toBe(1);
    const waited = await eventually(async () => {
      const rows = await t.server.runtime.db.query<{ queue: number }>(
        `select (trace->'timings_ms'->>'queue')::float as queue from turn_traces where turn_id = any($1)`,
        [[first.body.turn_id, second.body.turn_id]],
      );
      return rows.length === 2 ? rows : undefined;
    });
    expect(Math.max(...waited.map((row) => row.queue))).toBeGreaterThan(200);

    t.stub.delayNext(2_500);
    const [slow, refused] = await Promise.all([
      ask(t.server, 'What causes the tides?'),
      (async () => {
        await t.stub.waitForRequests(t.stub.requests.length + 1);
        return ask(t.server, 'Does the Moon cause the tides?');
      })(),
    ]);
    expect(slow.status).toBe(200);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({ error: { code: 'PARLEY_ERR_OVERLOADED' } });
  });
});

describe('a bound on writes left behind (PARLEY_MAX_PENDING_WRITES)', () => {
  const t = gatedServer('postgres', { PARLEY_MAX_PENDING_WRITES: '3', PARLEY_TURN_QUEUE_SECONDS: '2' });

  it('holds new turns while turns cannot be stored, and answers them once the database catches up', async () => {
    // Another session holds the messages table: every finished turn stays in memory, unstored.
    const unlock = await lockTable(t.server, 'messages', 'exclusive');
    const statuses: number[] = [];
    try {
      for (let i = 0; i < 6 && !statuses.includes(503); i++) {
        statuses.push((await ask(t.server, 'What causes the tides?')).status);
      }
      // The first turns are answered; then the bound is reached and a turn waits, then gets 503.
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(statuses.at(-1)).toBe(503);
      expect(t.server.runtime.tasks.writes).toBeLessThanOrEqual(3);
      expect(t.server.runtime.turnGate.state()).toMatchObject({ active: 0, waiting: 0 });

      // A turn waiting in line is answered as soon as the stored turns make room.
      const waiting = ask(t.server, 'Does the Moon cause the tides?');
      await eventually(async () => (t.server.runtime.turnGate.state().waiting === 1 ? true : undefined));
      await unlock();
      expect((await waiting).status).toBe(200);
    } finally {
      await unlock();
    }
    // Nothing was lost: every answered turn is stored.
    await eventually(async () => (t.server.runtime.tasks.size === 0 ? true : undefined));
    const [{ turns }] = (await t.server.runtime.db.query<{ turns: number }>(
      'select count(*)::int as turns from turn_traces',
    )) as [{ turns: number }];
    expect(turns).toBe(statuses.filter((status) => status === 200).length + 1);
  });
});
