// The operations routes once keys exist: /healthz and /readyz answer without a key (Kubernetes
// probes have none) and tell a caller who is not the operator only whether each check passed, with
// no model names or tenant figures; /metrics is the operator's alone (PARLEY_METRICS_TOKEN, or
// loopback while no key exists): a tenant's key never opens it, with or without a token (issue 23,
// finding 12); a separate metrics port (PARLEY_METRICS_PORT) takes /metrics off the API port.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiKey, createOpsApp } from '../../src/app/index.js';
import { call } from '../support/http.js';
import { eventually, startTestServer, type TestServer } from '../support/test-backend.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const MODELS = {
  PARLEY_MODELS: 'openai:tenant-secret-model',
  OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
};
const REMOTE = { remoteAddress: '10.1.2.3' };
const SUMMARY_KEYS = ['checks', 'status'];

describe('probes and metrics with keys present and a metrics token', () => {
  let server: TestServer;
  let key: string;
  const app = () => server.parley.app;
  beforeAll(async () => {
    server = await startTestServer('pglite', { ...MODELS, PARLEY_METRICS_TOKEN: TOKEN });
    key = (await createApiKey(server.runtime.db, 'acme')).key;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers /healthz without a key, from anywhere', async () => {
    for (const options of [{}, REMOTE]) {
      const response = await call(app(), { method: 'GET', url: '/healthz', ...options });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok' });
    }
  });

  it('answers /readyz without a key with the checks only, and a tenant key gets no more', async () => {
    for (const headers of [{}, { authorization: `Bearer ${key}` }]) {
      const response = await call<Record<string, unknown>>(app(), {
        method: 'GET',
        url: '/readyz',
        headers,
        ...REMOTE,
      });
      expect(response.status).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(SUMMARY_KEYS);
      expect(response.body).toEqual({
        status: 'ready',
        checks: { database: 'ok', migrations: 'ok', indexes: 'ok', keyword_index: 'ok' },
      });
      expect(response.raw).not.toContain('tenant-secret-model');
    }
  });

  it('gives the operator (the metrics token) the details: models, retrieval, notes', async () => {
    const response = await call<{ models: { chain: string[] }; retrieval: { mode: string } }>(app(), {
      method: 'GET',
      url: '/readyz',
      headers: { authorization: `Bearer ${TOKEN}` },
      ...REMOTE,
    });
    expect(response.status).toBe(200);
    expect(response.body.models.chain).toEqual(['openai:tenant-secret-model']);
    expect(response.body.retrieval.mode).toBe('keyword-only');
  });

  it('does not count a loopback client as the operator once a key exists', async () => {
    const response = await call(app(), { method: 'GET', url: '/readyz' });
    expect(Object.keys(response.body as object).sort()).toEqual(SUMMARY_KEYS);
  });

  it('serves /metrics for the token only: not without it, not for a tenant key', async () => {
    const without = await call<{ error: { code: string } }>(app(), {
      method: 'GET',
      url: '/metrics',
      ...REMOTE,
    });
    expect(without.status).toBe(401);
    expect(without.body.error.code).toBe('PARLEY_ERR_UNAUTHORIZED');
    const tenant = await call(app(), {
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(tenant.status).toBe(401);
    const wrong = await call(app(), {
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}x` },
    });
    expect(wrong.status).toBe(401);
    const scraped = await call(app(), {
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
      ...REMOTE,
    });
    expect(scraped.status).toBe(200);
    expect(scraped.raw).toContain('parley_http_requests_total');
  });

  it('still wants a key on the API routes', async () => {
    expect((await call(app(), { method: 'GET', url: '/v1/documents', ...REMOTE })).status).toBe(401);
    expect(
      (
        await call(app(), {
          method: 'GET',
          url: '/v1/documents',
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).status,
    ).toBe(401);
  });

  it('answers 503 naming the failed check when a migration is missing or an index is gone', async () => {
    const db = server.runtime.db;
    const [last] = await db.query<{ version: number; name: string }>(
      'select version, name from schema_migrations order by version desc limit 1',
    );
    await db.query('delete from schema_migrations where version = $1', [last!.version]);
    try {
      const response = await call(app(), { method: 'GET', url: '/readyz', ...REMOTE });
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        status: 'unavailable',
        checks: { database: 'ok', migrations: 'fail', indexes: 'ok', keyword_index: 'ok' },
      });
    } finally {
      await db.query('insert into schema_migrations(version, name) values ($1, $2)', [
        last!.version,
        last!.name,
      ]);
    }
    await db.query('alter index chunks_tsv rename to chunks_tsv_moved');
    try {
      const response = await call(app(), { method: 'GET', url: '/readyz', ...REMOTE });
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ checks: { migrations: 'ok', indexes: 'fail' } });
    } finally {
      await db.query('alter index chunks_tsv_moved rename to chunks_tsv');
    }
    expect((await call(app(), { method: 'GET', url: '/readyz', ...REMOTE })).status).toBe(200);
  });
});

describe('readiness and the in-memory keyword index', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers 503 while the keyword index is still loading, so no user meets the other ranking', async () => {
    const loading = vi.spyOn(server.runtime.keywordIndex, 'ready').mockReturnValue(false);
    try {
      const response = await call(server.parley.app, { method: 'GET', url: '/readyz', ...REMOTE });
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        status: 'unavailable',
        checks: { database: 'ok', migrations: 'ok', indexes: 'ok', keyword_index: 'fail' },
      });
    } finally {
      loading.mockRestore();
    }
    const ready = await call<{ retrieval: { keyword_memory: { loaded: boolean }; rerank: unknown } }>(
      server.parley.app,
      {
        method: 'GET',
        url: '/readyz',
      },
    );
    expect(ready.status).toBe(200);
    expect(ready.body.retrieval.keyword_memory.loaded).toBe(true);
    // No PARLEY_RERANK: the fused order stands.
    expect(ready.body.retrieval.rerank).toBeNull();
  });
});

describe('probes and metrics with no metrics token', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { ...MODELS, PARLEY_METRICS_TOKEN: '' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves the details and /metrics to a loopback client while no key exists, then to no one', async () => {
    const app = server.parley.app;
    const ready = await call<{ models: { chain: string[] } }>(app, { method: 'GET', url: '/readyz' });
    expect(ready.body.models.chain).toEqual(['openai:tenant-secret-model']);
    // A page in a browser is not the operator, even on this machine.
    const fromPage = await call(app, {
      method: 'GET',
      url: '/readyz',
      headers: { origin: 'https://example.com' },
    });
    expect(Object.keys(fromPage.body as object).sort()).toEqual(SUMMARY_KEYS);
    expect((await call(app, { method: 'GET', url: '/metrics' })).status).toBe(200);
    expect(
      (await call(app, { method: 'GET', url: '/metrics', headers: { origin: 'https://example.com' } }))
        .status,
    ).toBe(401);

    // An admin key of one tenant: the server-wide series (every tenant's tokens and cost) and
    // every tenant's models stay closed to it.
    const { key } = await createApiKey(server.runtime.db, 'acme');
    // Whether a key exists is re-read every 2 s.
    await eventually(async () =>
      (await call(app, { method: 'GET', url: '/metrics' })).status === 401 ? true : undefined,
    );
    for (const options of [{}, REMOTE]) {
      const withKey = await call<{ error: { code: string; message: string } }>(app, {
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${key}` },
        ...options,
      });
      expect(withKey.status).toBe(401);
      expect(withKey.body.error.code).toBe('PARLEY_ERR_UNAUTHORIZED');
      expect(withKey.body.error.message).toContain('PARLEY_METRICS_TOKEN');
      expect(withKey.raw).not.toContain('parley_');
      const readyWithKey = await call(app, {
        method: 'GET',
        url: '/readyz',
        headers: { authorization: `Bearer ${key}` },
        ...options,
      });
      expect(Object.keys(readyWithKey.body as object).sort()).toEqual(SUMMARY_KEYS);
      expect(readyWithKey.raw).not.toContain('tenant-secret-model');
    }
    const readyNow = await call(app, { method: 'GET', url: '/readyz' });
    expect(readyNow.status).toBe(200);
    expect(Object.keys(readyNow.body as object).sort()).toEqual(SUMMARY_KEYS);
  });
});

describe('a separate metrics port', () => {
  let server: TestServer;
  let key: string;
  beforeAll(async () => {
    server = await startTestServer('pglite', {
      ...MODELS,
      PARLEY_METRICS_PORT: '9464',
      PARLEY_METRICS_TOKEN: '',
    });
    key = (await createApiKey(server.runtime.db, 'acme')).key;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('takes /metrics off the API port and serves it, with the probes, on its own', async () => {
    // An unknown route on the API port: 401 without a key (no route discovery), 404 with one.
    const headers = { authorization: `Bearer ${key}` };
    expect(
      (await call(server.parley.app, { method: 'GET', url: '/metrics', headers, ...REMOTE })).status,
    ).toBe(404);
    expect((await call(server.parley.app, { method: 'GET', url: '/healthz', ...REMOTE })).status).toBe(200);
    const ops = await createOpsApp(server.runtime);
    try {
      const scraped = await call(ops, { method: 'GET', url: '/metrics', ...REMOTE });
      expect(scraped.status).toBe(200);
      expect(scraped.raw).toContain('parley_ingest_queue_depth');
      expect((await call(ops, { method: 'GET', url: '/healthz', ...REMOTE })).body).toEqual({ status: 'ok' });
      // Whoever reaches the private port is the operator when no token is set.
      const ready = await call<{ models: { chain: string[] } }>(ops, {
        method: 'GET',
        url: '/readyz',
        ...REMOTE,
      });
      expect(ready.body.models.chain).toEqual(['openai:tenant-secret-model']);
      expect((await call(ops, { method: 'GET', url: '/v1/documents' })).status).toBe(404);
    } finally {
      await ops.close();
    }
  });
});

describe('a separate metrics port with a metrics token', () => {
  let server: TestServer;
  let key: string;
  beforeAll(async () => {
    server = await startTestServer('pglite', {
      ...MODELS,
      PARLEY_METRICS_PORT: '9465',
      PARLEY_METRICS_TOKEN: TOKEN,
    });
    key = (await createApiKey(server.runtime.db, 'acme')).key;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('opens /metrics and the details there for the token only, never for a tenant key', async () => {
    const ops = await createOpsApp(server.runtime);
    try {
      for (const headers of [{}, { authorization: `Bearer ${key}` }]) {
        expect((await call(ops, { method: 'GET', url: '/metrics', headers, ...REMOTE })).status).toBe(401);
        const ready = await call(ops, { method: 'GET', url: '/readyz', headers, ...REMOTE });
        expect(Object.keys(ready.body as object).sort()).toEqual(SUMMARY_KEYS);
      }
      const operator = { authorization: `Bearer ${TOKEN}` };
      const scraped = await call(ops, { method: 'GET', url: '/metrics', headers: operator, ...REMOTE });
      expect(scraped.status).toBe(200);
      expect(scraped.raw).toContain('parley_ingest_queue_depth');
      const ready = await call<{ models: { chain: string[] } }>(ops, {
        method: 'GET',
        url: '/readyz',
        headers: operator,
        ...REMOTE,
      });
      expect(ready.body.models.chain).toEqual(['openai:tenant-secret-model']);
    } finally {
      await ops.close();
    }
  });
});
