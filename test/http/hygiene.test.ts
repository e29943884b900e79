// HTTP hygiene: one error shape, 4xx for malformed input, request ids, health and metrics.
import { describe, expect, it } from 'vitest';
import { call } from '../support/http.js';
import { eventually, lockTable, useTestServer } from '../support/test-backend.js';

describe('http hygiene', () => {
  const server = useTestServer('pglite', { PARLEY_MAX_BODY_BYTES: '4096' });
  const app = () => server.parley.app;

  it('answers malformed input with a 4xx and the uniform error body, never a 5xx', async () => {
    const cases = [
      {
        method: 'POST' as const,
        url: '/v1/chat',
        headers: { 'content-type': 'application/json' },
        payload: '{"message": ',
      },
      {
        method: 'POST' as const,
        url: '/v1/chat',
        headers: { 'content-type': 'application/json' },
        payload: '[]',
      },
      {
        method: 'POST' as const,
        url: '/v1/chat',
        headers: { 'content-type': 'text/plain' },
        payload: 'hello',
      },
      {
        method: 'POST' as const,
        url: '/v1/chat',
        headers: { 'content-type': 'application/json' },
        payload: 'null',
      },
      { method: 'POST' as const, url: '/v1/chat', payload: { message: 'x'.repeat(10_000) } },
      {
        method: 'POST' as const,
        url: '/v1/documents',
        headers: { 'content-type': 'application/xml' },
        payload: '<a/>',
      },
      { method: 'GET' as const, url: '/v1/documents?limit=-1' },
      { method: 'GET' as const, url: '/v1/documents?limit=abc' },
      { method: 'GET' as const, url: '/v1/conversations/%00' },
      { method: 'GET' as const, url: '/v1/nothing-here' },
      { method: 'PATCH' as const, url: '/v1/chat', payload: {} },
      {
        method: 'POST' as const,
        url: '/v1/documents',
        headers: { 'content-type': 'multipart/form-data' },
        payload: 'no boundary at all',
      },
      {
        method: 'POST' as const,
        url: '/v1/documents',
        headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
        payload: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.md"\r\n\r\nunterminated',
      },
    ];
    for (const request of cases) {
      const response = await call<{ error: { code: string; message: string } }>(app(), request);
      expect(response.status, `${request.method} ${request.url}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${request.method} ${request.url}`).toBeLessThan(500);
      expect(response.body.error.code).toMatch(/^PARLEY_ERR_/);
      expect(response.body.error.message.length).toBeGreaterThan(0);
    }
  });

  it('returns a request id on every response, honouring one sent by the client', async () => {
    const generated = await call(app(), { method: 'GET', url: '/healthz' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await call(app(), {
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(given.headers['x-request-id']).toBe('abc-123');
  });

  it('reports liveness, readiness with the search mode, and Prometheus metrics', async () => {
    expect((await call(app(), { method: 'GET', url: '/healthz' })).body).toEqual({ status: 'ok' });
    const ready = await call<{ status: string; retrieval: { keyword: string; mode: string } }>(app(), {
      method: 'GET',
      url: '/readyz',
    });
    expect(ready.status).toBe(200);
    expect(ready.body.retrieval).toMatchObject({ keyword: 'bm25', mode: 'keyword-only' });
    const metrics = await call(app(), { method: 'GET', url: '/metrics' });
    expect(metrics.raw).toContain('parley_http_requests_total');
    expect(metrics.raw).toContain('parley_nodejs_eventloop_lag_p99_seconds');
    // The event-loop sampler records every 20 ms.
    await eventually(async () => {
      const later = await call(app(), { method: 'GET', url: '/metrics' });
      return /parley_event_loop_delay_seconds_count [1-9]/.test(later.raw) ? true : undefined;
    });
    expect(metrics.raw).toContain('parley_event_loop_utilization_ratio');
  });
});

describe('metrics while the database cannot answer', () => {
  const server = useTestServer('postgres');

  it('answers a scrape with the last values read instead of waiting for the database', async () => {
    const first = await call(server.parley.app, { method: 'GET', url: '/metrics' });
    expect(first.raw).toContain('parley_ingest_queue_depth{state="queued"} 0');
    // Another session holds the jobs table: the backlog query waits for as long as the lock lasts.
    const unlock = await lockTable(server, 'jobs', 'access exclusive');
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the reuse of the last read
      const scrape = await call(server.parley.app, { method: 'GET', url: '/metrics' });
      expect(scrape.status).toBe(200);
      expect(scrape.raw).toContain('parley_ingest_queue_depth{state="queued"} 0');
      expect(scrape.raw).toContain('parley_http_requests_total');
    } finally {
      await unlock();
    }
  });
});
