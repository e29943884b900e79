// Fuzzing every endpoint with malformed, oversized, wrongly typed and hostile requests (fast-check
// generates them): never a 5xx, the server stays up, and the data stored before is all still there.
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.js';
import { eventually, startTestServer, type TestServer } from '../support/test-backend.js';

const UUID = '00000000-0000-4000-8000-000000000000';

/** Every route, with its path parameters as placeholders. */
const ROUTES: { method: InjectOptions['method']; url: string }[] = [
  { method: 'GET', url: '/healthz' },
  { method: 'GET', url: '/readyz' },
  { method: 'GET', url: '/metrics' },
  { method: 'POST', url: '/v1/documents' },
  { method: 'GET', url: '/v1/documents' },
  { method: 'GET', url: '/v1/documents/:id' },
  { method: 'DELETE', url: '/v1/documents/:id' },
  { method: 'GET', url: '/v1/jobs/:id' },
  { method: 'POST', url: '/v1/chat' },
  { method: 'POST', url: '/v1/chat/completions' },
  { method: 'GET', url: '/v1/models' },
  { method: 'GET', url: '/v1/prompts' },
  { method: 'GET', url: '/v1/conversations/:id' },
  { method: 'GET', url: '/v1/turns/:id/trace' },
  { method: 'DELETE', url: '/v1/turns/:id/trace' },
  { method: 'GET', url: '/v1/bots' },
  { method: 'POST', url: '/v1/bots' },
  { method: 'GET', url: '/v1/bots/:id' },
  { method: 'PATCH', url: '/v1/bots/:id' },
  { method: 'DELETE', url: '/v1/bots/:id' },
  { method: 'GET', url: '/v1/usage' },
  { method: 'GET', url: '/v1/budgets' },
  { method: 'PUT', url: '/v1/budgets' },
  { method: 'GET', url: '/v1/retention' },
  { method: 'PUT', url: '/v1/retention' },
  { method: 'GET', url: '/v1/dashboard' },
  { method: 'GET', url: '/' },
  { method: 'GET', url: '/widget.js' },
  { method: 'GET', url: '/assets/:id' },
];

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '../../etc/passwd',
    '%00',
    '%2e%2e%2f',
    "'; drop table documents; --",
    '<script>alert(1)</script>',
    '{{7*7}}',
    '$' + '{process.exit()}',
    '\uFEFF\u202E',
    'NaN',
    '-1',
    '1e309',
    UUID,
    'parley',
    '__proto__',
    'constructor',
  ),
  fc.string({ minLength: 9_000, maxLength: 20_000 }),
);

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Bodies shaped like each endpoint's, with wrong types and hostile values in the fields. */
const shapedBody = fc.record(
  {
    message: jsonValue,
    conversation_id: jsonValue,
    bot: jsonValue,
    stream: jsonValue,
    title: jsonValue,
    text: jsonValue,
    source: jsonValue,
    format: jsonValue,
    id: jsonValue,
    name: jsonValue,
    settings: jsonValue,
    model: jsonValue,
    messages: jsonValue,
    tenant_daily_usd: jsonValue,
    ['__proto__']: jsonValue,
  },
  { requiredKeys: [] },
);

const payload = fc.oneof(
  shapedBody.map((body) => ({ payload: JSON.stringify(body), type: 'application/json' })),
  jsonValue.map((body) => ({ payload: JSON.stringify(body) ?? 'null', type: 'application/json' })),
  fc.string({ maxLength: 200 }).map((text) => ({ payload: text, type: 'application/json' })),
  fc.uint8Array({ maxLength: 400 }).map((bytes) => ({
    payload: Buffer.from(bytes),
    type: 'application/octet-stream',
  })),
  fc.string({ maxLength: 200 }).map((text) => ({
    payload: `--x\r\nContent-Disposition: form-data; name="file"; filename="${text}"\r\n\r\n${text}\r\n--x--`,
    type: 'multipart/form-data; boundary=x',
  })),
  fc.constant({ payload: 'x'.repeat(600_000), type: 'application/json' }),
  fc.constant({ payload: '', type: 'text/plain' }),
);

const request = fc.record({
  route: fc.constantFrom(...ROUTES),
  param: hostileString,
  query: fc.dictionary(
    fc.constantFrom('from', 'to', 'group_by', 'bucket', 'limit', 'offset', 'x'),
    hostileString,
    {
      maxKeys: 3,
    },
  ),
  body: payload,
  accept: fc.constantFrom(undefined, 'text/event-stream', 'application/json', '*/*', '\u0000'),
  auth: fc.constantFrom(undefined, 'Bearer ', 'Bearer parley_x_y', 'Basic abc', 'Bearer \u0000'),
});

describe('fuzzing every endpoint', () => {
  let server: TestServer;
  let documentId: string;
  let conversationId: string;
  beforeAll(async () => {
    server = await startTestServer('pglite', {
      // No limits here: every generated request should reach its route.
      PARLEY_RATE_REQUESTS_PER_MINUTE_IP: '0',
      PARLEY_RATE_REQUESTS_PER_MINUTE_KEY: '0',
    });
    const upload = await call<{ document_id: string; job_id: string }>(server.parley.app, {
      method: 'POST',
      url: '/v1/documents',
      payload: { title: 'Keepsake', text: 'The lighthouse keeper logs every ship that passes the cape.' },
    });
    documentId = upload.body.document_id;
    await eventually(async () => {
      const job = await call<{ status: string }>(server.parley.app, {
        method: 'GET',
        url: `/v1/jobs/${upload.body.job_id}`,
      });
      return job.body.status === 'succeeded' ? true : undefined;
    });
    const chat = await call<{ conversation_id: string }>(server.parley.app, {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'Who logs the ships?' },
    });
    conversationId = chat.body.conversation_id;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers thousands of malformed and hostile requests without a 5xx, and loses nothing', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ route, param, query, body, accept, auth }) => {
        const search = new URLSearchParams(query).toString();
        const url = `${route.url.replace(':id', encodeURIComponent(param))}${search ? `?${search}` : ''}`;
        const response = await server.parley.app.inject({
          method: route.method,
          url,
          payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : body.payload,
          headers: {
            'content-type': body.type,
            ...(accept ? { accept } : {}),
            ...(auth ? { authorization: auth } : {}),
          },
        });
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        if (response.statusCode >= 500) {
          throw new Error(`${route.method} ${url} → ${response.statusCode}: ${response.body.slice(0, 300)}`);
        }
      }),
      { numRuns: 2_500, seed: 20261123 },
    );
    // Mostly refusals, and some requests that were well-formed enough to succeed.
    expect([...statuses.keys()].some((status) => status >= 400 && status < 500)).toBe(true);
    expect([...statuses.keys()].some((status) => status < 300)).toBe(true);

    // Still up, and what was stored before is all there.
    expect((await call(server.parley.app, { method: 'GET', url: '/healthz' })).status).toBe(200);
    const document = await call<{ title: string }>(server.parley.app, {
      method: 'GET',
      url: `/v1/documents/${documentId}`,
    });
    expect(document.body.title).toBe('Keepsake');
    const conversation = await eventually(async () => {
      const found = await call<{ messages: unknown[] }>(server.parley.app, {
        method: 'GET',
        url: `/v1/conversations/${conversationId}`,
      });
      return found.body.messages?.length ? found.body : undefined;
    });
    expect(conversation.messages).toHaveLength(2);
  }, 600_000);
});
