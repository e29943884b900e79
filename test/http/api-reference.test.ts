// The API reference: the OpenAPI document (GET /openapi.json) and the page that shows it (GET
// /docs) are served without a key from any address, like the web chat's assets, while the API
// needs one; the page loads nothing but the server's own files (no CDN: it works offline).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { call } from '../support/http.js';
import { eventually, startTestServer, type TestServer } from '../support/test-backend.js';

describe('the API reference page', () => {
  let server: TestServer;
  const remote = '198.51.100.7';
  beforeAll(async () => {
    server = await startTestServer('pglite');
    // Once a key exists, nothing of the API is served without one, from any address.
    await createApiKey(server.runtime.db, 'reader');
  });
  afterAll(async () => {
    await server?.close();
  });
  const get = (url: string) => call(server.parley.app, { method: 'GET', url, remoteAddress: remote });

  it('serves the document and the page without a key, from its own files, while the API needs one', async () => {
    await eventually(async () => ((await get('/v1/documents')).status === 401 ? true : undefined));
    const document = await get('/openapi.json');
    expect(document.status).toBe(200);
    expect(document.body).toMatchObject({ openapi: expect.stringMatching(/^3\.1\./) });
    expect((await get('/docs/json')).body).toEqual(document.body);

    const page = await get('/docs');
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toContain('text/html');
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'self'");
    // Everything the page loads comes from /docs: it works offline, with no CDN.
    const loads = [...page.raw.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(loads.length).toBeGreaterThan(3);
    for (const url of loads) {
      expect(url).toMatch(/^\/docs\/static\//);
      expect((await get(url)).status, url).toBe(200);
    }
    const initializer = (await get('/docs/static/swagger-initializer.js')).raw;
    expect(initializer).toContain("resolveUrl('./json')");
    // Swagger UI would otherwise send the document to an online validator.
    expect(initializer).toContain('validatorUrl: null');
  });
});
