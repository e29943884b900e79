// Resumable streams: a client that loses its connection mid-answer resumes with
// GET /v1/turns/{id}/stream and Last-Event-ID and receives the rest with no event missing or
// repeated: on the same server (streams kept in the process), and on another replica (two
// runtimes on one PostgreSQL database, streams shared through Redis). Another tenant's turn is a
// 404; a turn nobody comes back for is cancelled after the grace period.
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, createRuntime, type ParleyApp, type Runtime } from '../../src/app/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { type KeyedTenant, startChatFixture, useChatFixture } from '../support/chat-fixture.js';
import { readEvents } from '../support/event-stream.js';
import { metricValue } from '../support/metrics.js';
import {
  askAndCut,
  expectWholeAnswer,
  LONG_REPLY,
  readUntil,
  resume,
  tokenText,
} from '../support/resumed-stream.js';

const MODEL = 'openai:small-model';
const baseOf = (app: ParleyApp['app']) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

describe('a streamed answer resumed on the same server', () => {
  const t = useChatFixture({
    models: MODEL,
    reply: LONG_REPLY,
    // Ample: a resume comes back well within it.
    env: { PARLEY_STREAM_RESUME_GRACE_SECONDS: '30' },
  });
  let base: string;
  let owner: KeyedTenant;
  let stranger: KeyedTenant;
  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = baseOf(t.app);
    owner = await t.tenantWithKey('resume-owner');
    stranger = await t.tenantWithKey('resume-stranger');
  });
  afterEach(() => t.stub.reset());

  it('gives the rest after Last-Event-ID: the text joined is the whole answer, each event once', async () => {
    t.stub.setReply(LONG_REPLY);
    // Paced, so that the answer comes in several events; held at its 30th word until released.
    t.stub.paceNext({ tokenIntervalMs: 2 });
    const held = t.stub.holdNext(1, { path: '/v1/chat/completions', afterTokens: 30 });
    const cut = await askAndCut(base, owner.headers, 20);
    const resuming = resume(base, owner.headers, cut.turnId, cut.lastId);
    held.release();
    const all = expectWholeAnswer(cut.seen, await resuming);
    expect(all.map((event) => event.event).slice(-2)).toEqual(['citations', 'done']);

    // Finished, it stays resumable: from the start without an id, or from any id.
    const again = await resume(base, owner.headers, cut.turnId);
    expect(again.events).toEqual(all);
    // Ids count from 0: after `citations`, only `done`.
    const tail = await resume(base, owner.headers, cut.turnId, String(all.length - 2));
    expect(tail.events.map((event) => event.event)).toEqual(['done']);
    const byQuery = await readEvents(
      `${base}/v1/turns/${cut.turnId}/stream?last_event_id=${all.length - 3}`,
      owner.headers,
    );
    expect((await readUntil(byQuery)).map((event) => event.event)).toEqual(['citations', 'done']);
    expect(await metricValue(t.app, 'parley_stream_resumes_total', { result: 'completed' })).toBeGreaterThan(
      0,
    );
  });

  it("answers another tenant's turn, an unknown one and a malformed Last-Event-ID with the standard errors", async () => {
    t.stub.setReply(LONG_REPLY);
    const cut = await askAndCut(base, owner.headers, 1);
    const foreign = await t.app.inject({ url: `/v1/turns/${cut.turnId}/stream`, headers: stranger.headers });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toEqual({ error: { code: 'PARLEY_ERR_NOT_FOUND', message: 'stream not found' } });
    const unknown = await t.app.inject({
      url: '/v1/turns/0b6c52ab-8f2c-4c57-9d64-2a9a6d3f3c11/stream',
      headers: owner.headers,
    });
    expect(unknown.statusCode).toBe(404);
    const wrongId = await t.app.inject({
      url: `/v1/turns/${cut.turnId}/stream`,
      headers: { ...owner.headers, 'last-event-id': 'not-an-id' },
    });
    expect(wrongId.statusCode).toBe(400);
    expect(wrongId.json().error.code).toBe('PARLEY_ERR_VALIDATION');
  });
});

describe('a streamed answer nobody comes back for', () => {
  const t = useChatFixture({ models: MODEL, env: { PARLEY_STREAM_RESUME_GRACE_SECONDS: '0' } });
  let base: string;
  let owner: KeyedTenant;
  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = baseOf(t.app);
    owner = await t.tenantWithKey('resume-gone');
  });

  it('cancels the model call of a turn whose client left and did not come back within the grace', async () => {
    t.stub.setReply(LONG_REPLY);
    // Never released: the upstream request ends only if the server cancels it.
    t.stub.holdNext(1, { path: '/v1/chat/completions', afterTokens: 30 });
    const cut = await askAndCut(base, owner.headers, 1);
    const aborted = await t.stub.waitForAbort();
    expect(aborted.tokensSent).toBeLessThan(80);
    // A client arriving late learns why the answer stops there.
    const late = await resume(base, owner.headers, cut.turnId, cut.lastId);
    expect(late.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'PARLEY_ERR_STREAM_LOST' } });
  });
});

describe('a streamed answer resumed on another replica (PostgreSQL and Redis)', () => {
  const env = { REDIS_URL: inject('redisUrl'), PARLEY_STREAM_RESUME_GRACE_SECONDS: '30' };
  let a: Awaited<ReturnType<typeof startChatFixture>>;
  let other: Runtime;
  let b: ParleyApp;
  let owner: KeyedTenant;
  let stranger: KeyedTenant;
  beforeAll(async () => {
    a = await startChatFixture({ kind: 'postgres', models: MODEL, reply: LONG_REPLY, env });
    const [row] = await a.server.runtime.db.query<{ schema: string }>('select current_schema() as schema');
    other = await createRuntime(a.server.config, createLogger('silent'), { schema: row!.schema });
    b = await createApp(other);
    await a.app.listen({ port: 0, host: '127.0.0.1' });
    await b.app.listen({ port: 0, host: '127.0.0.1' });
    owner = await a.tenantWithKey('replica-owner');
    stranger = await a.tenantWithKey('replica-stranger');
  });
  afterAll(async () => {
    await b?.close();
    await other?.close();
    await a?.close();
  });

  it('continues on the other replica mid-answer with no token missing or repeated', async () => {
    a.stub.paceNext({ tokenIntervalMs: 2 });
    const held = a.stub.holdNext(1, { path: '/v1/chat/completions', afterTokens: 40 });
    const cut = await askAndCut(baseOf(a.app), owner.headers, 30);
    expect(tokenText(cut.seen).length).toBeGreaterThan(0);
    // B replays what A copied to Redis, then follows A's answer live once the model goes on.
    const resuming = resume(baseOf(b.app), owner.headers, cut.turnId, cut.lastId);
    // A reader from the start sees the same events as the client did on A.
    const watcher = await readEvents(`${baseOf(b.app)}/v1/turns/${cut.turnId}/stream`, owner.headers, {
      ids: true,
    });
    const early = await readUntil(watcher, (events) => events.length >= cut.seen.length);
    watcher.close();
    expect(early).toEqual(cut.seen);
    held.release();
    expectWholeAnswer(cut.seen, await resuming);

    // The other tenant does not find it on either replica.
    for (const app of [a.app, b.app]) {
      const foreign = await app.inject({ url: `/v1/turns/${cut.turnId}/stream`, headers: stranger.headers });
      expect(foreign.statusCode).toBe(404);
    }
  });
});
