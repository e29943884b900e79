import { createServer } from 'node:net';
import { APICallError } from '@ai-sdk/provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type StubProvider, startStubProvider } from '../../../test/support/stub-provider/index.js';
import { ParleyError } from '../../errors/index.js';
import { retryAfterMs } from '../generation/model-chain.js';
import type { GenerationRequest, TokenUsage } from '../generation/types.js';
import { OpenAIChatModel } from './openai-chat-model.js';

let stub: StubProvider;
let model: OpenAIChatModel;

beforeAll(async () => {
  stub = await startStubProvider();
  model = new OpenAIChatModel('openai:gpt-4o-mini', 'gpt-4o-mini', { baseURL: stub.url, apiKey: 'sk-test' });
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

const question: GenerationRequest = {
  system: 'You answer questions about Fastify.',
  messages: [
    { role: 'user', content: 'What is a plugin?' },
    { role: 'assistant', content: 'A function.' },
    { role: 'user', content: 'How do I register one?' },
  ],
};

async function collect(request: GenerationRequest, on = model): Promise<{ text: string; usage: TokenUsage }> {
  const stream = on.stream(request);
  let text = '';
  for (;;) {
    const step = await stream.next();
    if (step.done) return { text, usage: step.value };
    text += step.value;
  }
}

async function failure(request: GenerationRequest, on = model): Promise<ParleyError> {
  const error = await collect(request, on).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ParleyError);
  return error as ParleyError;
}

describe('OpenAIChatModel against an OpenAI-compatible server', () => {
  it('streams the answer and returns the usage the server counted', async () => {
    stub.setReply('Call fastify.register with the plugin and its options.');
    const { text, usage } = await collect(question);
    expect(text).toBe('Call fastify.register with the plugin and its options.');
    expect(usage.outputTokens).toBeGreaterThan(5);
    expect(usage.inputTokens).toBeGreaterThan(10);
    const sent = stub.requests.at(-1)!;
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    expect(sent.prompt?.system).toBe(question.system);
    expect(sent.prompt?.messages.map((m) => m.text)).toEqual([
      'What is a plugin?',
      'A function.',
      'How do I register one?',
    ]);
    expect(sent.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('sends the output limit the way the model takes it', async () => {
    await collect({ ...question, maxOutputTokens: 24 });
    expect(stub.requests.at(-1)!.body).toMatchObject({ max_tokens: 24 });
    const reasoning = new OpenAIChatModel('openai:o3-mini', 'o3-mini', { baseURL: stub.url, apiKey: 'k' });
    await collect({ ...question, maxOutputTokens: 24 }, reasoning);
    const body = stub.requests.at(-1)!.body as Record<string, unknown>;
    expect(body.max_completion_tokens).toBe(24);
    expect((body.messages as { role: string }[])[0]!.role).toBe('developer');
  });

  it('reports a 429 with its status, message and Retry-After, as retryable', async () => {
    stub.failNext({ status: 429, retryAfterSeconds: 7, message: 'Rate limit reached' });
    const error = await failure(question);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain('HTTP 429: Rate limit reached');
    expect(APICallError.isInstance(error.cause)).toBe(true);
    expect(retryAfterMs(error)).toBe(7_000);
  });

  it('treats a 400 as final and a 503 as retryable', async () => {
    stub.failNext({ status: 400, message: 'bad request' });
    expect((await failure(question)).isRetryable).toBe(false);
    stub.failNext({ status: 503 });
    expect((await failure(question)).isRetryable).toBe(true);
  });

  it('fails when the stream is cut before its end, after the tokens it did send', async () => {
    stub.setReply('one two three four five six seven eight');
    stub.cutNext({ afterTokens: 3 });
    const stream = model.stream(question);
    const seen: string[] = [];
    const error = await (async () => {
      for await (const piece of stream) seen.push(piece);
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ParleyError);
    expect(seen.join('')).toBe('one two three');
  });

  it('cancels the request when the signal aborts, and throws its reason', async () => {
    // The second token would come only after the test's timeout: the abort alone ends the request.
    stub.paceNext({ tokenIntervalMs: 600_000 });
    const controller = new AbortController();
    const stream = model.stream({ ...question, signal: controller.signal });
    await stream.next();
    const reason = new Error('client disconnected');
    controller.abort(reason);
    await expect(stream.next()).rejects.toBe(reason);
    await stub.waitForAbort();
  });

  it('closes the response when the consumer stops reading', async () => {
    stub.paceNext({ tokenIntervalMs: 600_000 });
    const stream = model.stream(question);
    await stream.next();
    await stream.return(undefined as never);
    await stub.waitForAbort();
  });

  it('calls a refused connection retryable', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const nowhere = new OpenAIChatModel('openai:x', 'x', {
      baseURL: `http://127.0.0.1:${port}/v1`,
      apiKey: 'k',
    });
    const error = await failure(question, nowhere);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain('Cannot connect to API');
  });
});
