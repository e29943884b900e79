// Rate limits per key, tenant, client address and end user, by requests and by model tokens; in
// memory and shared through the real Redis by two app instances; and the fallback to memory when
// Redis is down.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { useChatFixture } from '../support/chat-fixture.js';
import { QUESTION } from '../support/documents.js';
import { call } from '../support/http.js';
import { metricValue } from '../support/metrics.js';
import {
  createKeyOnBoth,
  eventually,
  startTestServer,
  type TestServer,
  useTestServer,
} from '../support/test-backend.js';

const REDIS_URL = () => inject('redisUrl');

interface ErrorBody {
  error: { code: string; message: string };
}

const randomAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

describe('request limits (memory)', () => {
  const server = useTestServer('pglite', {
    PARLEY_RATE_REQUESTS_PER_MINUTE_KEY: '3',
    PARLEY_RATE_REQUESTS_PER_MINUTE_TENANT: '5',
    PARLEY_RATE_REQUESTS_PER_MINUTE_IP: '0',
  });
  const app = () => server.parley.app;

  it('answers 429 with Retry-After past the key limit, and the refused upload stores nothing', async () => {
    const alice = await createApiKey(server.runtime.db, 'limits-alice');
    const other = await createApiKey(server.runtime.db, 'limits-alice');
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    for (let index = 0; index < 3; index++) {
      const response = await call(app(), { method: 'GET', url: '/v1/documents', headers: as(alice.key) });
      expect(response.status).toBe(200);
      expect(response.headers['ratelimit-limit']).toBe('3');
      expect(response.headers['ratelimit-remaining']).toBe(String(2 - index));
      expect(response.headers['x-ratelimit-remaining']).toBe(String(2 - index));
    }
    const refused = await call<ErrorBody>(app(), {
      method: 'POST',
      url: '/v1/documents',
      headers: as(alice.key),
      payload: { title: 'Refused', text: 'This upload arrives after the limit.' },
    });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('PARLEY_ERR_RATE_LIMITED');
    expect(refused.body.error.message).toMatch(/API key/);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Another key of the tenant has its own key limit: it sees that nothing was stored.
    const listed = await call<{ documents: unknown[] }>(app(), {
      method: 'GET',
      url: '/v1/documents',
      headers: as(other.key),
    });
    expect(listed.status).toBe(200);
    expect(listed.body.documents).toEqual([]);
    // Probes and scrapes are never limited.
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      expect((await call(app(), { method: 'GET', url, headers: as(alice.key) })).status, url).not.toBe(429);
    }
    expect(await metricValue(app(), 'parley_rate_limited_total', { scope: 'key', limit: 'requests' })).toBe(
      1,
    );
  });

  it('shares the tenant limit between the keys of one tenant', async () => {
    const first = await createApiKey(server.runtime.db, 'limits-bob');
    const second = await createApiKey(server.runtime.db, 'limits-bob');
    const statuses: number[] = [];
    for (const key of [first.key, second.key, first.key, second.key, first.key, second.key]) {
      const response = await call(app(), {
        method: 'GET',
        url: '/v1/bots',
        headers: { authorization: `Bearer ${key}` },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await metricValue(app(), 'parley_rate_limited_total', { scope: 'tenant' })).toBe(1);
  });
});

describe('address limits', () => {
  const server = useTestServer('pglite', { PARLEY_RATE_REQUESTS_PER_MINUTE_IP: '2' });

  it('limits a client address before auth, so bad keys cannot be tried without end', async () => {
    const address = randomAddress();
    const attempt = () =>
      call<ErrorBody>(server.parley.app, {
        method: 'GET',
        url: '/v1/documents',
        remoteAddress: address,
        headers: { authorization: 'Bearer parley_guess_secret' },
      });
    expect((await attempt()).status).toBe(401);
    expect((await attempt()).status).toBe(401);
    const third = await attempt();
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBeDefined();
    // Another address is unaffected.
    const elsewhere = await call(server.parley.app, { method: 'GET', url: '/v1/documents' });
    expect(elsewhere.status).toBe(200);
  });
});

describe('token limits', () => {
  const t = useChatFixture({
    models: 'openai:small-model',
    env: { PARLEY_RATE_TOKENS_PER_MINUTE_KEY: '10' },
  });

  it('counts a turn’s real tokens once it ends and refuses the next turn while the bucket is spent', async () => {
    const carol = await t.tenantWithKey('tokens-carol');
    t.stub.setReply('The Moon pulls on the oceans [1].');
    const ask = (stream = false) =>
      call<{ usage: { total_tokens: number } } & ErrorBody>(t.app, {
        method: 'POST',
        url: '/v1/chat',
        headers: carol.headers,
        payload: { message: QUESTION, stream },
      });
    const first = await ask();
    expect(first.status).toBe(200);
    expect(first.body.usage.total_tokens).toBeGreaterThan(10);
    // The tokens are counted just after the response.
    const refused = await eventually(async () => {
      const response = await ask();
      return response.status === 429 ? response : undefined;
    });
    expect(refused.body.error.code).toBe('PARLEY_ERR_RATE_LIMITED');
    expect(refused.body.error.message).toMatch(/tokens/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await ask(true)).status).toBe(429);
    // Refused turns started nothing: only the first reached the model.
    expect(t.stub.requests.filter((request) => request.prompt).length).toBe(1);
    expect(await metricValue(t.app, 'parley_rate_limited_total', { limit: 'tokens' })).toBe(2);
  });
});

describe('request limits shared through Redis', () => {
  const servers: TestServer[] = [];
  beforeAll(async () => {
    for (let index = 0; index < 2; index++) {
      servers.push(
        await startTestServer('postgres', {
          REDIS_URL: REDIS_URL(),
          PARLEY_RATE_REQUESTS_PER_MINUTE_KEY: '4',
          PARLEY_RATE_REQUESTS_PER_MINUTE_IP: '0',
        }),
      );
    }
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('two app instances sharing one Redis see one limit', async () => {
    const [a, b] = servers as [TestServer, TestServer];
    // The same tenant and key on both instances (replicas share one database in production).
    const created = await createKeyOnBoth(a, b, `shared-${randomInt(1e9)}`);
    const headers = { authorization: `Bearer ${created.key}` };
    const statuses: number[] = [];
    for (const server of [a, b, a, b, a, b]) {
      statuses.push((await call(server.parley.app, { method: 'GET', url: '/v1/bots', headers })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(await metricValue(a.parley.app, 'parley_redis_up', {})).toBe(1);
    expect(await metricValue(a.parley.app, 'parley_rate_limit_fallbacks_total', {})).toBe(0);
  });
});

describe('widget limits shared through Redis', () => {
  const servers: TestServer[] = [];
  beforeAll(async () => {
    for (let index = 0; index < 2; index++) {
      servers.push(await startTestServer('postgres', { REDIS_URL: REDIS_URL() }));
    }
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it("counts a publishable key's visitors and addresses once across replicas", async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const site = 'https://shop.example';
    const created = await createApiKey(a.runtime.db, `widget-${randomInt(1e9)}`, {
      publishable: { bot: 'parley', origins: [site], ratePerMinute: 2 },
    });
    // The same tenant and key on both (replicas share one database in production).
    const [tenant] = await a.runtime.db.query<{ row: unknown }>(
      'select row_to_json(t) as row from tenants t where id = $1',
      [created.tenantId],
    );
    const [key] = await a.runtime.db.query<{ row: unknown }>(
      'select row_to_json(k) as row from api_keys k where id = $1',
      [created.keyId],
    );
    await b.runtime.db.query('insert into tenants select * from json_populate_record(null::tenants, $1)', [
      JSON.stringify(tenant!.row),
    ]);
    await b.runtime.db.query('insert into api_keys select * from json_populate_record(null::api_keys, $1)', [
      JSON.stringify(key!.row),
    ]);
    const ask = (server: TestServer) =>
      server.parley.app.inject({
        method: 'POST',
        url: '/v1/chat',
        headers: { authorization: `Bearer ${created.key}`, origin: site },
        payload: { message: 'returns?' },
        remoteAddress: '198.51.100.40',
      });
    const statuses = [];
    for (const server of [a, b, a]) statuses.push((await ask(server)).statusCode);
    // Two a minute from one address, whichever replica answers.
    expect(statuses).toEqual([200, 200, 429]);
    expect(await metricValue(a.parley.app, 'parley_rate_limit_fallbacks_total', {})).toBe(0);
  });
});

describe('per-user limits', () => {
  const server = useTestServer('pglite', {
    PARLEY_RATE_REQUESTS_PER_MINUTE_USER: '3',
    PARLEY_RATE_REQUESTS_PER_MINUTE_IP: '0',
  });
  const app = () => server.parley.app;

  it("limits each user a key acts for apart: one user's flood leaves the key's other users alone", async () => {
    const tenant = `users-${randomInt(1e9)}`;
    const acting = await createApiKey(server.runtime.db, tenant, { scopes: ['chat', 'act_for_users'] });
    const elsewhere = await createApiKey(server.runtime.db, `${tenant}-other`, {
      scopes: ['chat', 'act_for_users'],
    });
    const as = (key: string, user?: string) => ({
      authorization: `Bearer ${key}`,
      ...(user ? { 'parley-user': user } : {}),
    });
    const list = (headers: Record<string, string>) =>
      call<ErrorBody>(app(), { method: 'GET', url: '/v1/conversations', headers });
    for (let index = 0; index < 3; index++) {
      const response = await list(as(acting.key, 'alice'));
      expect(response.status).toBe(200);
      expect(response.headers['ratelimit-remaining']).toBe(String(2 - index));
    }
    const refused = await list(as(acting.key, 'alice'));
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('PARLEY_ERR_RATE_LIMITED');
    expect(refused.body.error.message).toMatch(/this user/);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The same key for another user, and another tenant's user of the same name, are not limited.
    expect((await list(as(acting.key, 'bob'))).status).toBe(200);
    expect((await list(as(elsewhere.key, 'alice'))).status).toBe(200);
    // The key acting for no one is counted by its key limit only.
    expect((await call(app(), { method: 'GET', url: '/v1/models', headers: as(acting.key) })).status).toBe(
      200,
    );
    expect(await metricValue(app(), 'parley_rate_limited_total', { scope: 'user', limit: 'requests' })).toBe(
      1,
    );
  });

  it('limits each widget visitor apart, past the widget key’s own visitor limit', async () => {
    const site = 'https://shop.example';
    const widget = await createApiKey(server.runtime.db, `visitors-${randomInt(1e9)}`, {
      publishable: { bot: 'parley', origins: [site], ratePerMinute: 100 },
    });
    const unknown = randomUUID();
    const ask = (visitor?: string) =>
      app().inject({
        method: 'GET',
        url: `/v1/conversations/${unknown}`,
        headers: {
          authorization: `Bearer ${widget.key}`,
          origin: site,
          ...(visitor ? { 'x-parley-visitor': visitor } : {}),
        },
      });
    // Not the visitor's conversation: refused (403), but counted first.
    const first = await ask();
    expect(first.statusCode).toBe(403);
    const token = String(first.headers['x-parley-visitor']);
    expect((await ask(token)).statusCode).toBe(403);
    expect((await ask(token)).statusCode).toBe(403);
    const refused = await ask(token);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.message).toMatch(/this user/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // A new visitor of the same key (and address) has a limit of their own.
    expect((await ask()).statusCode).toBe(403);
  });
});

describe('per-user limits shared through Redis', () => {
  const servers: TestServer[] = [];
  beforeAll(async () => {
    for (let index = 0; index < 2; index++) {
      servers.push(
        await startTestServer('postgres', {
          REDIS_URL: REDIS_URL(),
          PARLEY_RATE_REQUESTS_PER_MINUTE_USER: '2',
          PARLEY_RATE_REQUESTS_PER_MINUTE_IP: '0',
        }),
      );
    }
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('two app instances sharing one Redis count a user once, and each user apart', async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const created = await createKeyOnBoth(a, b, `shared-users-${randomInt(1e9)}`);
    const forUser = (user: string) => ({ authorization: `Bearer ${created.key}`, 'parley-user': user });
    const statuses: number[] = [];
    for (const server of [a, b, a]) {
      statuses.push(
        (
          await call(server.parley.app, {
            method: 'GET',
            url: '/v1/conversations',
            headers: forUser('alice'),
          })
        ).status,
      );
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(
      (await call(b.parley.app, { method: 'GET', url: '/v1/conversations', headers: forUser('bob') })).status,
    ).toBe(200);
    expect(await metricValue(a.parley.app, 'parley_rate_limit_fallbacks_total', {})).toBe(0);
  });
});

describe('Redis down', () => {
  const server = useTestServer('pglite', {
    // Nothing listens there: every operation falls back to this process's memory.
    REDIS_URL: 'redis://127.0.0.1:1',
    PARLEY_RATE_REQUESTS_PER_MINUTE_IP: '2',
  });

  it('still limits, in memory, and says so in the metrics', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) {
      statuses.push((await call(server.parley.app, { method: 'GET', url: '/v1/bots' })).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(await metricValue(server.parley.app, 'parley_redis_up')).toBe(0);
    expect(await metricValue(server.parley.app, 'parley_rate_limit_fallbacks_total')).toBeGreaterThanOrEqual(
      3,
    );
  });
});
