// The OpenAPI 3.1 document (GET /openapi.json): every route the app registers is in it and declares
// its schemas, it is valid OpenAPI 3.1, and its request examples match their schemas and are
// accepted by the real routes. What the routes answer is checked against it in
// openapi-responses.test.ts, and the reference page (GET /docs) in
// api-reference.test.ts (and in a browser: test/browser/api-docs.test.ts).
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatRequest, completionRequest } from '../../src/server/routes/chat-schemas.js';
import { ingestDocuments, TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import {
  examplesOf,
  type OpenApiDocument,
  openApiPath,
  operationsOf,
  type RegisteredRoute,
  recordRoutes,
  schemaChecker,
} from '../support/openapi-document.js';
import { startTestServer, type TestServer } from '../support/test-backend.js';

/** Left out of the document on purpose, each registered by the app (checked below). */
const EXCLUDED = new Set([
  // The web chat and dashboard pages, the widget script and their assets (web-routes.ts).
  'GET /',
  'GET /dashboard',
  'GET /widget.js',
  'GET /assets/:file',
  // The browser's CORS preflights for the widget (widget-access.ts).
  'OPTIONS /v1/chat',
  'OPTIONS /v1/conversations/:id',
  'OPTIONS /v1/conversations/:id/events',
  'OPTIONS /v1/conversations/:id/approvals/:approval',
  'OPTIONS /v1/turns/:turn_id/feedback',
  'OPTIONS /v1/turns/:id/stream',
  'OPTIONS /v1/conversations/:id/turns/:turn_id',
  'OPTIONS /v1/memories',
  'OPTIONS /v1/memories/:id',
  // The reference page itself (Swagger UI), its files, and its copies of the document.
  'GET /docs',
  'GET /docs/static/index.html',
  'GET /docs/static/swagger-initializer.js',
  'GET /docs/static/*',
  'GET /docs/json',
  'GET /docs/yaml',
]);

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

describe('the OpenAPI document', () => {
  let server: TestServer;
  let routes: RegisteredRoute[];
  let document: OpenApiDocument;
  const app = () => server.parley.app;
  beforeAll(async () => {
    const recorded = recordRoutes();
    try {
      // A key for the OpenAI client, so that a bot may name an OpenAI model (no call is made).
      server = await startTestServer('pglite', {
        OPENAI_API_KEY: 'test',
        // The tools routes' examples name this host and a secret.
        PARLEY_TOOL_HOSTS: 'api.example.com',
        PARLEY_SECRETS_KEY: 'openapi-test-secrets-key-0123456789abcdef',
      });
    } finally {
      recorded.stop();
    }
    routes = recorded.routes;
    await ingestDocuments(server, [TIDES]);
    document = (await call<OpenApiDocument>(app(), { method: 'GET', url: '/openapi.json' })).body;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lists every route the app registers, but the pages, assets, preflights and the reference page', () => {
    const registered = routes.map((route) => route.key);
    for (const key of EXCLUDED) expect(registered, 'an excluded route that no longer exists').toContain(key);
    const expected = routes
      .filter((route) => !EXCLUDED.has(route.key))
      .map((route) => `${route.method} ${openApiPath(route.url)}`);
    expect([...operationsOf(document).keys()].sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(20);
  });

  it('has every route declare its request and response schemas, but the chat routes not wired yet', () => {
    for (const { key, method, url, schema } of routes) {
      if (EXCLUDED.has(key)) continue;
      const response = (schema?.response ?? {}) as Record<string, unknown>;
      expect({
        key,
        summary: typeof schema?.summary,
        success: Object.keys(response).some((status) => status.startsWith('2')),
        errors: '4xx' in response && '5xx' in response,
        body: WITH_BODY.has(method) ? schema?.body !== undefined : 'none',
        params: url.includes(':') ? schema?.params !== undefined : 'none',
      }).toEqual({
        key,
        summary: 'string',
        success: true,
        errors: true,
        body: WITH_BODY.has(method) || 'none',
        params: url.includes(':') || 'none',
      });
    }
  });

  it('is valid OpenAPI 3.1, with named schemas, a bearer key, and no key asked for its public routes', async () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Error', 'Bot', 'Document', 'Job', 'Conversation', 'TurnTrace']),
    );
    // Every named schema is JSON Schema 2020-12 that a validator can compile.
    const check = schemaChecker(document);
    for (const schema of Object.values(document.components.schemas))
      expect(() => check(schema, {})).not.toThrow();
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ apiKey: [] }]);
    const operations = operationsOf(document);
    expect(operations.get('GET /openapi.json')?.security).toEqual([]);
    expect(operations.get('GET /v1/documents')?.security).toBeUndefined();
  });

  it('has request examples that match their own schemas and that the real routes accept', async () => {
    const check = schemaChecker(document);
    // Creations first: a change's example names what the creation's example created.
    const order = (key: string) => (key.startsWith('POST') ? 0 : 1);
    const operations = [...operationsOf(document)].sort(([a], [b]) => order(a) - order(b));
    const tried: string[] = [];
    for (const [key, operation] of operations) {
      const media = operation.requestBody?.content['application/json'];
      const [method = '', path = ''] = key.split(' ');
      for (const example of examplesOf(media)) {
        expect(check(media?.schema, example), `${key}: its example against its schema`).toBeUndefined();
        const url = path.replace(/\{(\w+)\}/g, (_whole, name: string) =>
          String(operation.parameters?.find((parameter) => parameter.name === name)?.example),
        );
        const response = await call(app(), { method: method as 'POST', url, payload: example as object });
        expect(response.status, `${key} ${response.raw}`).toBeGreaterThanOrEqual(200);
        expect(response.status, `${key} ${response.raw}`).toBeLessThan(300);
        tried.push(key);
      }
    }
    expect(tried).toEqual(
      expect.arrayContaining([
        'POST /v1/documents',
        'POST /v1/bots',
        'PATCH /v1/bots/{id}',
        'PUT /v1/budgets',
        'PUT /v1/retention',
      ]),
    );

    // The chat routes' schemas, not in the document until wired: their examples too.
    const chat = chatRequest({ maxMessageChars: server.config.server.maxMessageChars });
    for (const [url, schema] of [
      ['/v1/chat', chat],
      ['/v1/chat/completions', completionRequest],
    ] as const) {
      const examples = (schema.meta()?.examples ?? []) as object[];
      expect(examples.length, url).toBeGreaterThan(0);
      for (const example of examples) {
        expect(schema.safeParse(example).error, url).toBeUndefined();
        const response = await call(app(), { method: 'POST', url, payload: example });
        expect(response.status, `${url} ${response.raw}`).toBe(200);
      }
    }
  });
});
