// The OpenAI-compatible API, driven by the official OpenAI SDK unchanged, over a real port.
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, ensureTenant } from '../../src/app/index.js';
import { ensureKnowledgeBase } from '../../src/knowledge/index.js';
import { type StubProvider, startStubProvider } from '../support/stub-provider/index.js';
import { startTestServer, type TestServer } from '../support/test-backend.js';

const clients = new Map<TestServer, Promise<OpenAI>>();

/** An OpenAI SDK client on the server's real port, with a Parley key of the default tenant. */
function serve(server: TestServer): Promise<OpenAI> {
  let client = clients.get(server);
  if (!client) {
    client = (async () => {
      await server.parley.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = server.parley.app.server.address() as AddressInfo;
      const { key } = await createApiKey(server.runtime.db, 'default');
      return new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: key, maxRetries: 0 });
    })();
    clients.set(server, client);
  }
  return client;
}

async function seed(server: TestServer) {
  const tenantId = await ensureTenant(server.runtime.db, 'default');
  const kbId = await ensureKnowledgeBase(server.runtime.db, tenantId);
  await server.runtime.ingestion.ingestNow({
    tenantId,
    kbId,
    bytes: Buffer.from(
      '# Glaciers\n\nGlaciers form where snow accumulates faster than it melts, over many years.',
    ),
    format: 'markdown',
    title: 'Glaciers',
  });
}

describe('OpenAI-compatible API', () => {
  let stub: StubProvider;
  let plain: TestServer;
  let withModel: TestServer;
  beforeAll(async () => {
    stub = await startStubProvider();
    plain = await startTestServer('pglite');
    withModel = await startTestServer('pglite', {
      PARLEY_MODELS: 'openai:stub-model',
      OPENAI_BASE_URL: stub.url,
      OPENAI_API_KEY: 'test',
    });
    await Promise.all([seed(plain), seed(withModel)]);
  });
  afterAll(async () => {
    await plain?.close();
    await withModel?.close();
    await stub?.close();
  });

  it('lists the bot as a model', async () => {
    const client = await serve(plain);
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(['parley']);
  });

  it('answers a completion with citations in an extra field', async () => {
    const client = await serve(withModel);
    stub.setReply('Snow piles up faster than it melts [1].');
    const completion = await client.chat.completions.create({
      model: 'parley',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'How do glaciers form?' },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe('Snow piles up faster than it melts [1].');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    const extra = completion as unknown as { citations: { title: string }[]; parley: { mode: string } };
    expect(extra.citations.map((citation) => citation.title)).toEqual(['Glaciers']);
    expect(extra.parley.mode).toBe('generated');
  });

  it('streams chunks and ends with usage when include_usage is set', async () => {
    const client = await serve(plain);
    const stream = await client.chat.completions.create({
      model: 'parley',
      messages: [{ role: 'user', content: 'How do glaciers form?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usageSeen = false;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usageSeen = true;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toContain('Glaciers form where snow accumulates');
    expect(finish).toBe('stop');
    expect(usageSeen).toBe(true);
  });

  it('refuses an unknown model with 404 and a conversation not ending with a user message with 400', async () => {
    const client = await serve(plain);
    await expect(
      client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      client.chat.completions.create({ model: 'parley', messages: [{ role: 'assistant', content: 'hi' }] }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
