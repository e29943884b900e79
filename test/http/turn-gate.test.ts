// PARLEY_MAX_ACTIVE_TURNS: a turn waits in line for a place; none in time, a 503 with Retry-After.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.js';
import { type StubProvider, startStubProvider } from '../support/stub-provider/index.js';
import {
  eventually,
  ingestText,
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
