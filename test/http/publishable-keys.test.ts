// Publishable keys (the web widget's): chat only, from their listed origins (CORS), under their own
// rate limit keyed by key+IP and key+visitor, and a visitor reads only the conversations it started.
// Secret keys and the keyless loopback mode are unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { ingestDocuments, RETURNS } from '../support/documents.js';
import { call } from '../support/http.js';
import { BACKENDS, startTestServer, type TestServer } from '../support/test-backend.js';

const SITE = 'https://shop.example';
const OTHER = 'https://evil.example';
const VISITOR = 'x-parley-visitor';

describe.each(BACKENDS)('publishable keys on %s', (kind) => {
  let server: TestServer;
  let key: string;
  beforeAll(async () => {
    server = await startTestServer(kind);
    await ingestDocuments(server, [RETURNS]);
    key = (
      await createApiKey(server.runtime.db, 'default', {
        publishable: { bot: 'parley', origins: [`${SITE}/`] },
      })
    ).key;
  });
  afterAll(async () => {
    await server?.close();
  });
  const app = () => server.parley.app;
  const widget = (extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${key}`,
    origin: SITE,
    ...extra,
  });
  const chat = (headers: Record<string, string>, payload: Record<string, unknown>, remoteAddress?: string) =>
    call<{ conversation_id: string; answer: string; error?: { code: string } }>(app(), {
      method: 'POST',
      url: '/v1/chat',
      headers,
      payload,
      ...(remoteAddress ? { remoteAddress } : {}),
    });

  it('is made with pk_, needs an origin, and does not turn off keyless loopback access', async () => {
    expect(key).toMatch(/^pk_[0-9a-f]{16}_/);
    await expect(
      createApiKey(server.runtime.db, 'default', { publishable: { bot: 'parley', origins: [] } }),
    ).rejects.toThrow(/origin/);
    await expect(
      createApiKey(server.runtime.db, 'default', {
        publishable: { bot: 'parley', origins: ['example.com/x'] },
      }),
    ).rejects.toThrow(/not an origin/);
    // A publishable key is public by design: it does not count as "a key exists". Past the 2 s
    // the server keeps that answer, it asks the database again (a wait that load only lengthens).
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await call(app(), { method: 'GET', url: '/v1/documents' })).status).toBe(200);
  });

  it('chats from an allowed origin with CORS headers and a signed visitor token', async () => {
    const response = await chat(widget(), { message: 'How long do I have to return items?' });
    expect(response.status).toBe(200);
    expect(response.body.answer).toContain('30 days');
    expect(response.headers['access-control-allow-origin']).toBe(SITE);
    expect(response.headers.vary).toContain('Origin');
    expect(String(response.headers['access-control-expose-headers'])).toContain(VISITOR);
    expect(String(response.headers[VISITOR])).toMatch(/^[\w-]{22}\.[\w-]{43}$/);

    const streamed = await app().inject({
      method: 'POST',
      url: '/v1/chat',
      headers: widget({ accept: 'text/event-stream' }),
      payload: { message: 'How long do I have to return items?' },
    });
    expect(streamed.statusCode).toBe(200);
    expect(streamed.headers['access-control-allow-origin']).toBe(SITE);
    expect(streamed.headers[VISITOR]).toBeTruthy();
  });

  it('refuses other origins (and none) with 403 and no CORS grant; preflights likewise', async () => {
    for (const headers of [widget({ origin: OTHER }), { authorization: `Bearer ${key}` }]) {
      const response = await chat(headers, { message: 'returns?' });
      expect(response.status).toBe(403);
      expect(response.body.error?.code).toBe('PARLEY_ERR_FORBIDDEN');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    }
    const preflight = (origin: string, method = 'POST', url = '/v1/chat') =>
      app().inject({
        method: 'OPTIONS',
        url,
        headers: {
          origin,
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    const allowed = await preflight(SITE);
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(SITE);
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('authorization');
    expect(
      (await preflight(SITE, 'GET', '/v1/conversations/00000000-0000-4000-8000-000000000000')).statusCode,
    ).toBe(204);
    const refused = await preflight(OTHER);
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect((await preflight(SITE, 'DELETE')).statusCode).toBe(403);
    // The memory routes (a signed-in user's, in the widget) take each of their methods, and no other.
    const memory = '/v1/memories/00000000-0000-4000-8000-000000000000';
    const patch = await preflight(SITE, 'PATCH', memory);
    expect(patch.statusCode).toBe(204);
    expect(patch.headers['access-control-allow-methods']).toBe('PATCH, DELETE');
    expect((await preflight(SITE, 'DELETE', memory)).statusCode).toBe(204);
    expect((await preflight(SITE, 'GET', '/v1/memories')).statusCode).toBe(204);
    expect((await preflight(SITE, 'PUT', memory)).statusCode).toBe(403);
  });

  it('may only chat: documents, jobs, traces and the OpenAI API are 403', async () => {
    const attempts = [
      { method: 'GET', url: '/v1/documents' },
      { method: 'POST', url: '/v1/documents', payload: { title: 'x', text: 'y' } },
      { method: 'GET', url: '/v1/jobs/00000000-0000-4000-8000-000000000000' },
      { method: 'GET', url: '/v1/turns/00000000-0000-4000-8000-000000000000/trace' },
      { method: 'GET', url: '/v1/prompts' },
      { method: 'GET', url: '/v1/models' },
      { method: 'POST', url: '/v1/chat/completions', payload: { model: 'parley', messages: [] } },
      { method: 'GET', url: '/v1/bots' },
      { method: 'PATCH', url: '/v1/bots/parley', payload: { settings: { models: [] } } },
      { method: 'DELETE', url: '/v1/turns/00000000-0000-4000-8000-000000000000/trace' },
      // Its one bot only.
      { method: 'POST', url: '/v1/chat', payload: { message: 'hello', bot: 'other' } },
    ] as const;
    for (const attempt of attempts) {
      const response = await call<{ error: { code: string } }>(app(), { ...attempt, headers: widget() });
      expect(response.status, `${attempt.method} ${attempt.url}`).toBe(403);
      expect(response.body.error.code).toBe('PARLEY_ERR_FORBIDDEN');
    }
    // The refusal names every route the key may call, the decision on an action included.
    const refused = await call<{ error: { message: string } }>(app(), {
      method: 'GET',
      url: '/v1/documents',
      headers: widget(),
    });
    expect(refused.body.error.message).toContain('POST /v1/conversations/{id}/approvals/{approval}');
  });

  it("lets a visitor read and continue only its own conversations, not another visitor's", async () => {
    const first = await chat(widget(), { message: 'How long do I have to return items?' });
    const alice = String(first.headers[VISITOR]);
    const id = first.body.conversation_id;
    const read = (token?: string) =>
      call<{ messages: unknown[] }>(app(), {
        method: 'GET',
        url: `/v1/conversations/${id}`,
        headers: widget(token ? { [VISITOR]: token } : {}),
      });
    expect((await read(alice)).status).toBe(200);
    expect(
      (await chat(widget({ [VISITOR]: alice }), { message: 'And without it?', conversation_id: id })).status,
    ).toBe(200);

    // Bob: a fresh visitor, a forged token with Alice's id, no token at all.
    const bob = String((await chat(widget(), { message: 'hello returns' })).headers[VISITOR]);
    const forged = `${alice.split('.')[0]}.${'A'.repeat(43)}`;
    for (const token of [bob, forged, undefined]) {
      const response = await read(token);
      expect(response.status).toBe(403);
      const continued = await chat(widget(token ? { [VISITOR]: token } : {}), {
        message: 'more',
        conversation_id: id,
      });
      expect(continued.status).toBe(403);
    }
    // The operator (loopback, or a secret key) still reads it.
    expect((await call(app(), { method: 'GET', url: `/v1/conversations/${id}` })).status).toBe(200);
  });

  it('has its own rate limit per key and IP (429 with Retry-After) that a new visitor id does not escape', async () => {
    const limited = (
      await createApiKey(server.runtime.db, 'default', {
        publishable: { bot: 'parley', origins: [SITE], ratePerMinute: 2 },
      })
    ).key;
    const headers = { authorization: `Bearer ${limited}`, origin: SITE };
    const ip = '198.51.100.20';
    expect((await chat(headers, { message: 'returns?' }, ip)).status).toBe(200);
    expect((await chat(headers, { message: 'returns?' }, ip)).status).toBe(200);
    // No visitor token: the server mints a new visitor, but the IP's budget is spent.
    const third = await chat(headers, { message: 'returns?' }, ip);
    expect(third.status).toBe(429);
    expect(third.body.error?.code).toBe('PARLEY_ERR_RATE_LIMITED');
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect(third.headers['access-control-allow-origin']).toBe(SITE);
    // Another client IP has its own budget; the first key is not affected.
    expect((await chat(headers, { message: 'returns?' }, '198.51.100.21')).status).toBe(200);
    expect((await chat(widget(), { message: 'returns?' }, ip)).status).toBe(200);
  });

  it('leaves secret keys as they were: no CORS headers, every route', async () => {
    const secret = await createApiKey(server.runtime.db, `secret-${kind}`);
    const response = await call(app(), {
      method: 'GET',
      url: '/v1/documents',
      headers: { authorization: `Bearer ${secret.key}`, origin: SITE },
    });
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers[VISITOR]).toBeUndefined();
  });
});
