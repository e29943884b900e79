// A conversation's event stream (GET /v1/conversations/{id}/events): a person's reply and the hand
// back reach an open stream as they happen; other tenants get 404, a widget visitor may watch only
// its own conversations; the per-process cap answers 503; shutdown ends open streams.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import { type EventReader, readEvents } from '../support/event-stream.js';
import { call } from '../support/http.js';
import { OPERATOR_HEADERS } from '../support/test-backend.js';

const SITE = 'http://shop.example';

describe('conversation events', () => {
  let t: ChatFixture;
  let origin: string;
  const readers: EventReader[] = [];
  beforeAll(async () => {
    t = await startChatFixture({
      models: 'openai:small-model',
      reply: 'The Moon pulls on the oceans [1].',
      env: { PARLEY_MAX_EVENT_STREAMS: '2' },
    });
    origin = (await t.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  });
  afterAll(async () => {
    for (const reader of readers) reader.close();
    await t?.close();
  });

  const watch = async (id: string, headers: Record<string, string>) => {
    const reader = await readEvents(`${origin}/v1/conversations/${id}/events`, headers);
    readers.push(reader);
    return reader;
  };

  const handedOff = async (headers: Record<string, string>) => {
    const setting = await call(t.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      headers,
      payload: { settings: { intents: { handoff: true } } },
    });
    expect(setting.status).toBe(200);
    const asked = await t.chat<{ mode: string; conversation_id: string }>(
      { message: 'I want to talk to a human' },
      headers,
    );
    expect(asked.body.mode).toBe('handoff');
    return asked.body.conversation_id;
  };

  it("streams a person's replies and the hand back; other tenants and widget strangers are refused", async () => {
    const tenant = await t.tenantWithKey('events');
    const bob = await t.tenantWithKey('events-bob');
    const id = await handedOff(tenant.headers);

    // Another tenant: 404, as for any of its conversations; bad ids: 400; unknown: 404.
    const refused = await call(t.app, {
      method: 'GET',
      url: `/v1/conversations/${id}/events`,
      headers: bob.headers,
    });
    expect(refused.status).toBe(404);
    const malformed = await call(t.app, {
      method: 'GET',
      url: '/v1/conversations/nope/events',
      headers: tenant.headers,
    });
    expect(malformed.status).toBe(400);
    const unknown = await call(t.app, {
      method: 'GET',
      url: '/v1/conversations/0b6c52ab-8f2c-4c57-9d64-2a9a6d3f3c11/events',
      headers: tenant.headers,
    });
    expect(unknown.status).toBe(404);
    // A widget key reaches only the conversations its own visitor started.
    const widget = await createApiKey(t.server.runtime.db, 'events', {
      publishable: { bot: 'parley', origins: [SITE] },
    });
    const stranger = await call(t.app, {
      method: 'GET',
      url: `/v1/conversations/${id}/events`,
      headers: { authorization: `Bearer ${widget.key}`, origin: SITE },
    });
    expect(stranger.status).toBe(403);

    const reader = await watch(id, tenant.headers);
    expect(reader.status).toBe(200);
    expect(await reader.next()).toEqual({ event: 'state', data: { state: 'handed_off' } });

    const posted = await call<{ id: string; created_at: string }>(t.app, {
      method: 'POST',
      url: `/v1/conversations/${id}/agent-replies`,
      headers: tenant.headers,
      payload: { content: 'Hi, Sam here: the Moon, mostly.' },
    });
    expect(posted.status).toBe(201);
    expect(await reader.next()).toEqual({
      event: 'agent_reply',
      data: {
        id: posted.body.id,
        text: 'Hi, Sam here: the Moon, mostly.',
        author: 'agent',
        created_at: posted.body.created_at,
      },
    });

    const back = await call(t.app, {
      method: 'POST',
      url: `/v1/conversations/${id}/hand-back`,
      headers: tenant.headers,
    });
    expect(back.status).toBe(200);
    expect(await reader.next()).toEqual({ event: 'state', data: { state: 'active' } });
  });

  it('serves at most PARLEY_MAX_EVENT_STREAMS at once, and frees a place when a client leaves', async () => {
    const tenant = await t.tenantWithKey('events-cap');
    const id = await handedOff(tenant.headers);
    // The first test's stream is still open: one more fills the two places.
    const second = await watch(id, tenant.headers);
    expect((await second.next()).event).toBe('state');
    const third = await watch(id, tenant.headers);
    expect(third.status).toBe(503);
    const scrape = await call(t.app, { method: 'GET', url: '/metrics', headers: OPERATOR_HEADERS });
    expect(scrape.raw).toMatch(/^parley_conversation_watchers 2$/m);
    readers[0]!.close();
    second.close();
    const fourth = await (async () => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const reader = await watch(id, tenant.headers);
        if (reader.status === 200 || Date.now() > deadline) return reader;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    expect(fourth.status).toBe(200);
    expect(await fourth.next()).toEqual({ event: 'state', data: { state: 'handed_off' } });
  });

  it('is in the OpenAPI document as server-sent events', async () => {
    const document = await call<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>(t.app, { method: 'GET', url: '/openapi.json' });
    const operation = document.body.paths['/v1/conversations/{id}/events']?.get;
    expect(operation).toBeDefined();
    expect(JSON.stringify(operation!.responses['200'])).toContain('text/event-stream');
  });

  it('ends open streams on shutdown instead of waiting for them', async () => {
    const open = readers.at(-1)!;
    const closing = t.server.parley.close();
    // Without the end at shutdown, the stream would outlive the close (and the test time out).
    await open.ended;
    await expect(open.next(100)).rejects.toThrow('the stream ended');
    await closing;
  });
});
