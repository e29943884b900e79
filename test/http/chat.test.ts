// Chat through the HTTP API (JSON and SSE), conversations, traces and retrieval scoping, on
// PGlite (BM25) and on the PostgreSQL server (built-in full-text fallback).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTenant } from '../../src/app/index.js';
import { ensureKnowledgeBase } from '../../src/knowledge/index.js';
import { EXTRACTIVE_LABEL, NOTHING_FOUND } from '../../src/orchestrator/index.js';
import { ingestDocuments, type TestDocument } from '../support/documents.js';
import { call, parseSse } from '../support/http.js';
import { BACKENDS, eventually, startTestServer, type TestServer } from '../support/test-backend.js';

interface ChatResponse {
  conversation_id: string;
  turn_id: string;
  answer: string;
  citations: { document_id: string; title: string; source: string | null; snippet: string }[];
  usage: Record<string, unknown>;
}

const DOCS: TestDocument[] = [
  {
    title: 'Hooks',
    source: 'docs/hooks.md',
    text: '# Hooks\n\n## onRequest\n\nThe onRequest hook runs first for every request, before the body is parsed. Use it for authentication checks.\n\n## onSend\n\nThe onSend hook can change the payload before it is sent.',
  },
  {
    title: 'Logging',
    source: 'docs/logging.md',
    text: '# Logging\n\nLogging is disabled by default. Enable the logger option to get JSON logs from pino with a request id on every line.',
  },
  {
    title: 'Deployment',
    source: 'docs/deploy.md',
    text: '# Deployment\n\nRun the server behind a reverse proxy such as nginx. Set the trustProxy option when a proxy forwards requests.',
  },
];

describe.each(BACKENDS)('chat on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
    await ingestDocuments(server, DOCS);
  });
  afterAll(async () => {
    await server?.close();
  });
  const app = () => server.parley.app;

  it('answers extractively from the right document, cited and labelled', async () => {
    const response = await call<ChatResponse>(app(), {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'Which hook runs first for every request?' },
    });
    expect(response.status).toBe(200);
    expect(response.body.answer.startsWith(EXTRACTIVE_LABEL)).toBe(true);
    expect(response.body.answer).toContain('onRequest hook runs first');
    expect(response.body.citations[0]).toMatchObject({ title: 'Hooks', source: 'docs/hooks.md' });
    expect(response.body.answer).toMatch(/\[1\]/);
    expect(response.body.usage).toMatchObject({ total_tokens: 0 });
  });

  it('says it found nothing when no passage matches', async () => {
    const response = await call<ChatResponse>(app(), {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'zebra quantum marmalade' },
    });
    expect(response.status).toBe(200);
    expect(response.body.answer).toBe(NOTHING_FOUND);
    expect(response.body.citations).toEqual([]);
  });

  it('streams meta, tokens, citations and done as server-sent events with ids', async () => {
    const response = await app().inject({
      method: 'POST',
      url: '/v1/chat',
      headers: { accept: 'text/event-stream' },
      payload: { message: 'How do I enable logging?' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/event-stream');
    expect(response.headers['cache-control']).toContain('no-cache');
    expect(response.headers['x-accel-buffering']).toBe('no');
    const events = parseSse(response.body);
    const names = events.map((event) => event.event);
    expect(names[0]).toBe('meta');
    expect(names.filter((name) => name === 'token').length).toBeGreaterThan(3);
    expect(names.slice(-2)).toEqual(['citations', 'done']);
    expect(events.map((event) => Number(event.id))).toEqual(events.map((_, index) => index));
    const text = events
      .filter((event) => event.event === 'token')
      .map((event) => (event.data as { text: string }).text)
      .join('');
    expect(text).toContain('Logging is disabled by default');
    const citations = events.at(-2)?.data as { citations: { title: string }[] };
    expect(citations.citations[0]?.title).toBe('Logging');
  });

  it('persists the conversation after the response and continues it on the next turn', async () => {
    const first = await call<ChatResponse>(app(), {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'What does the onSend hook do?', stream: false },
    });
    const second = await call<ChatResponse>(app(), {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'And what about a reverse proxy?', conversation_id: first.body.conversation_id },
    });
    expect(second.status).toBe(200);
    expect(second.body.conversation_id).toBe(first.body.conversation_id);

    const messages = await eventually(async () => {
      const response = await call<{ messages: { role: string; content: string; turn_id: string }[] }>(app(), {
        method: 'GET',
        url: `/v1/conversations/${first.body.conversation_id}`,
      });
      return response.body.messages?.length === 4 ? response.body.messages : undefined;
    });
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages[0]?.content).toBe('What does the onSend hook do?');
    expect(messages[3]?.turn_id).toBe(second.body.turn_id);

    const trace = await call<{
      retrieved: { title: string; score: number }[];
      timings_ms: { retrieval: number };
    }>(app(), { method: 'GET', url: `/v1/turns/${first.body.turn_id}/trace` });
    expect(trace.status).toBe(200);
    expect(trace.body.retrieved[0]?.title).toBe('Hooks');
    expect(trace.body.timings_ms.retrieval).toBeGreaterThanOrEqual(0);
  });

  it('refuses an unknown conversation with 404 and malformed requests with 400', async () => {
    const unknown = await call<{ error: { code: string } }>(app(), {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'hello', conversation_id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('PARLEY_ERR_NOT_FOUND');
    for (const payload of [{}, { message: '' }, { message: 42 }, { message: 'x', conversation_id: 'abc' }]) {
      const response = await call<{ error: { code: string } }>(app(), {
        method: 'POST',
        url: '/v1/chat',
        payload,
      });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('PARLEY_ERR_VALIDATION');
    }
    const tooLong = await call(app(), {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'a'.repeat(server.config.server.maxMessageChars + 1) },
    });
    expect(tooLong.status).toBe(400);
    // A lone surrogate cannot be stored: refused before the turn, so nothing is answered and billed
    // without being kept. A paired one (an emoji) is fine.
    for (const message of ['\ud800 half of a pair', 'the other half \udc00', 'x\udfff\ud800y']) {
      const lone = await call<{ error: { code: string; message: string } }>(app(), {
        method: 'POST',
        url: '/v1/chat',
        payload: JSON.stringify({ message }),
        headers: { 'content-type': 'application/json' },
      });
      expect(lone.status).toBe(400);
      expect(lone.body.error.message).toMatch(/unpaired UTF-16 surrogate/);
    }
    const emoji = await call(app(), {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'hooks \ud83d\ude00?' },
    });
    expect(emoji.status).toBe(200);
  });

  it("never retrieves another tenant's passages", async () => {
    const other = await ensureTenant(server.runtime.db, `other-${kind}`);
    const kbId = await ensureKnowledgeBase(server.runtime.db, other);
    // Many strongly matching chunks in the other tenant must not crowd out or leak into this one.
    for (let index = 0; index < 30; index++) {
      await server.runtime.ingestion.ingestNow({
        tenantId: other,
        kbId,
        bytes: Buffer.from(
          `# Secret ${index}\n\nThe onRequest hook secret plan number ${index}: onRequest onRequest.`,
        ),
        format: 'markdown',
        title: `Secret ${index}`,
        source: `secret-${index}.md`,
      });
    }
    const defaultTenant = await ensureTenant(server.runtime.db, 'default');
    const { chunks: found } = await server.runtime.retriever.search('onRequest hook', {
      tenantId: defaultTenant,
      topK: 5,
    });
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((chunk) => chunk.title === 'Hooks')).toBe(true);
    const { chunks: theirs } = await server.runtime.retriever.search('onRequest hook', {
      tenantId: other,
      topK: 50,
    });
    expect(theirs.length).toBe(30);
    expect(theirs.some((chunk) => chunk.title === 'Hooks')).toBe(false);
  });
});

describe('an extractive answer on a manual whose best-ranked passage is code', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    const login =
      "const { username, password } = request.query\nif (password !== 'secret') throw new Error('no')";
    await ingestDocuments(server, [
      {
        title: 'TypeScript',
        source: 'docs/typescript.md',
        text: `# Example\n\n\`\`\`ts\n${`${login}\n`.repeat(3)}\`\`\`\n\nAnd it should return back \`logged in!\`, with the password checked.`,
      },
      {
        title: 'Logging',
        source: 'docs/logging.md',
        text: [
          '# Logging',
          '',
          '## Log Redaction',
          '',
          'Pino supports low-overhead log redaction for masking values in recorded logs.',
          'For example, log all HTTP headers except the `Authorization` header and the `user_token` field:',
          '',
          '```js',
          "const app = Fastify({ logger: { redact: ['req.headers.authorization'] } })",
          '```',
        ].join('\n'),
      },
    ]);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('quotes the redaction passage with its code and cites both pages, none with an empty snippet', async () => {
    const response = await call<ChatResponse>(server.parley.app, {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'How do I hide passwords from the logs?' },
    });
    expect(response.status).toBe(200);
    const body = response.body.answer.slice(EXTRACTIVE_LABEL.length).trim();
    expect(body).toContain('Pino supports low-overhead log redaction for masking values in recorded logs.');
    expect(body).toContain(
      "```js\n  const app = Fastify({ logger: { redact: ['req.headers.authorization'] } })\n  ```",
    );
    expect(body).toContain('`user_token`');
    expect(body).not.toContain('Log Redaction [');
    expect(response.body.citations.map((citation) => citation.title).sort()).toEqual([
      'Logging',
      'TypeScript',
    ]);
    for (const citation of response.body.citations) expect(citation.snippet).not.toBe('');
  });
});
