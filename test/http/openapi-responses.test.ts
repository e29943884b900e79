// What the routes answer, checked against what the OpenAPI document says they answer (its JSON
// Schema 2020-12, objects open to more fields), refusals included: a document that lags the code
// fails here rather than in a client. The chat routes, not in the document yet, are checked against
// src/server/routes/chat-schemas.ts, the schemas their handlers are to take.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../src/server/error-handler.js';
import {
  chatRequest,
  chatResponse,
  chatStreamEvents,
  completionRequest,
  completionResponse,
} from '../../src/server/routes/chat-schemas.js';
import { ingestDocuments, TIDES } from '../support/documents.js';
import { call, parseSse } from '../support/http.js';
import { type OpenApiDocument, schemaChecker } from '../support/openapi-document.js';
import { eventually, startTestServer, type TestServer } from '../support/test-backend.js';

const QUESTION = 'What causes the tides?';

describe('responses, as the OpenAPI document says', () => {
  let server: TestServer;
  let document: OpenApiDocument;
  let check: ReturnType<typeof schemaChecker>;
  const app = () => server.parley.app;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    await ingestDocuments(server, [TIDES]);
    document = (await call<OpenApiDocument>(app(), { method: 'GET', url: '/openapi.json' })).body;
    check = schemaChecker(document);
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Calls a route and checks its answer against the document's schema for that status. */
  async function documented<T = Record<string, unknown>>(
    method: NonNullable<InjectOptions['method']>,
    path: string,
    options: { url?: string; payload?: object } = {},
  ) {
    const response = await call<T>(app(), { method, url: options.url ?? path, payload: options.payload });
    const label = `${method} ${options.url ?? path} -> ${response.status} ${response.raw.slice(0, 300)}`;
    const responses = document.paths[path]?.[method.toLowerCase()]?.responses ?? {};
    const listed = responses[String(response.status)] ?? responses[`${String(response.status)[0]}XX`];
    expect(listed, `${label}: a status the document does not list`).toBeDefined();
    const media = listed?.content?.['application/json'];
    if (response.status === 204) expect(media, label).toBeUndefined();
    else expect(check(media?.schema, response.body), label).toBeUndefined();
    return response;
  }

  it('answers the documents, jobs, bots, curated answers, usage, budgets, dashboard and operations routes as documented', async () => {
    const upload = await documented<{ document_id: string; job_id: string }>('POST', '/v1/documents', {
      payload: { title: 'Moon', text: '# Moon\n\nThe Moon orbits the Earth in about 27 days.' },
    });
    expect(upload.status).toBe(202);
    const job = `/v1/jobs/${upload.body.job_id}`;
    await eventually(async () => {
      const state = await call<{ status: string }>(app(), { method: 'GET', url: job });
      return state.body.status === 'succeeded' ? true : undefined;
    });
    await documented('GET', '/v1/jobs/{id}', { url: job });
    await documented('GET', '/v1/documents');
    await documented('GET', '/v1/documents/{id}', { url: `/v1/documents/${upload.body.document_id}` });
    const missing = await documented('GET', '/v1/documents/{id}', {
      url: `/v1/documents/${crypto.randomUUID()}`,
    });
    expect(missing.status).toBe(404);

    const bot = { id: 'answers', name: 'Answers', settings: { top_k: 3, min_relevance: 0.2 } };
    expect((await documented('POST', '/v1/bots', { payload: bot })).status).toBe(201);
    await documented('PATCH', '/v1/bots/{id}', {
      url: '/v1/bots/answers',
      payload: { settings: { top_k: null } },
    });
    await documented('GET', '/v1/bots/{id}', { url: '/v1/bots/parley' });
    await documented('GET', '/v1/bots');
    await documented('GET', '/v1/models');
    expect((await documented('DELETE', '/v1/bots/{id}', { url: '/v1/bots/answers' })).status).toBe(204);

    const curatedUrl = '/v1/bots/parley/curated-answers';
    const curated = await documented<{ id: string }>('POST', '/v1/bots/{bot}/curated-answers', {
      url: curatedUrl,
      payload: { question: 'Who answers here?', answer: 'We do.' },
    });
    expect(curated.status).toBe(201);
    await documented('GET', '/v1/bots/{bot}/curated-answers', { url: curatedUrl });
    await documented('PATCH', '/v1/bots/{bot}/curated-answers/{id}', {
      url: `${curatedUrl}/${curated.body.id}`,
      payload: { answer: 'Still us.' },
    });
    await documented('POST', '/v1/bots/{bot}/curated-answers/import', {
      url: `${curatedUrl}/import`,
      payload: [{ question: 'Who answers here', answer: 'Us.' }],
    });
    const gone = await documented('DELETE', '/v1/bots/{bot}/curated-answers/{id}', {
      url: `${curatedUrl}/${curated.body.id}`,
    });
    expect(gone.status).toBe(204);

    await documented('PUT', '/v1/budgets', { payload: { tenant_daily_usd: 5 } });
    await documented('GET', '/v1/budgets');
    await documented('PUT', '/v1/retention', { payload: { conversation_days: 90 } });
    await documented('GET', '/v1/retention');
    await documented('GET', '/v1/usage', { url: '/v1/usage?group_by=model' });
    await documented('GET', '/v1/dashboard', { url: '/v1/dashboard?bucket=day' });
    await documented('GET', '/v1/prompts');
    await documented('GET', '/healthz');
    await documented('GET', '/readyz');
    await documented('GET', '/openapi.json');
    const metrics = await call(app(), { method: 'GET', url: '/metrics' });
    expect(String(metrics.headers['content-type'])).toMatch(/^text\/plain/);
  });

  it('answers a turn as chat-schemas.ts says, and its conversation and trace as documented', async () => {
    const chat = await call(app(), { method: 'POST', url: '/v1/chat', payload: { message: QUESTION } });
    expect(chat.status).toBe(200);
    const answer = chatResponse.parse(chat.body);
    expect(answer.citations.length).toBeGreaterThan(0);

    const stream = await call(app(), {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: QUESTION, stream: true },
    });
    const events = parseSse(stream.raw);
    expect(events.map((event) => event.event)).toEqual([
      'meta',
      ...events.slice(1, -2).map(() => 'token'),
      'citations',
      'done',
    ]);
    for (const { event, data } of events) {
      const schema = chatStreamEvents[event as keyof typeof chatStreamEvents];
      expect(schema.safeParse(data).error, event).toBeUndefined();
    }

    const completion = await call(app(), {
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { model: 'parley', messages: [{ role: 'user', content: QUESTION }] },
    });
    expect(completionResponse.safeParse(completion.body).error).toBeUndefined();

    const conversation = `/v1/conversations/${answer.conversation_id}`;
    await eventually(async () => {
      const stored = await call<{ messages: unknown[] }>(app(), { method: 'GET', url: conversation });
      return stored.body.messages?.length === 2 ? true : undefined;
    });
    await documented('GET', '/v1/conversations/{id}', { url: conversation });
    const trace = `/v1/turns/${answer.turn_id}/trace`;
    await eventually(async () =>
      (await call(app(), { method: 'GET', url: trace })).status === 200 ? true : undefined,
    );
    await documented('GET', '/v1/turns/{id}/trace', { url: trace });
    expect((await documented('DELETE', '/v1/turns/{id}/trace', { url: trace })).status).toBe(204);
  });

  it('refuses what a route schema refuses with the documented 400, worded as the handlers worded it', async () => {
    type Refusal = { error: { code: string; message: string } };
    const refused = async (method: 'GET' | 'PATCH', path: string, url: string, payload?: object) =>
      (await documented<Refusal>(method, path, { url, payload })).body;
    expect(await refused('GET', '/v1/documents/{id}', '/v1/documents/not-a-uuid')).toEqual({
      error: { code: 'PARLEY_ERR_VALIDATION', message: 'id: id must be a UUID' },
    });
    expect((await refused('PATCH', '/v1/bots/{id}', '/v1/bots/parley', { name: 5 })).error).toMatchObject({
      code: 'PARLEY_ERR_VALIDATION',
      message: expect.stringMatching(/^name: .*expected string/),
    });
    expect((await refused('GET', '/v1/usage', '/v1/usage?group_by=week')).error.code).toBe(
      'PARLEY_ERR_VALIDATION',
    );
  });

  it('refuses a chat request as chat-schemas.ts would once wired, word for word', async () => {
    const chat = chatRequest({ maxMessageChars: server.config.server.maxMessageChars });
    const cases = [
      ['/v1/chat', chat, [{}, { message: '' }, { message: 42 }, { message: 'x', conversation_id: 'abc' }]],
      ['/v1/chat', chat, [{ message: 'x'.repeat(server.config.server.maxMessageChars + 1), bot: 'No!' }]],
      [
        '/v1/chat/completions',
        completionRequest,
        [{ model: '' }, { model: 'parley', messages: [{ role: 'robot' }] }],
      ],
    ] as const;
    for (const [url, schema, payloads] of cases) {
      for (const payload of payloads) {
        const response = await call(app(), { method: 'POST', url, payload });
        const parsed = schema.safeParse(payload);
        expect(parsed.success, JSON.stringify(payload)).toBe(false);
        const { status, body } = toErrorResponse(parsed.error);
        expect({ status: response.status, body: response.body }, JSON.stringify(payload)).toEqual({
          status,
          body,
        });
      }
    }
  });
});
