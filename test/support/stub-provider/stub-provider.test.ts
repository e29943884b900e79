// The stub must answer like the providers do, or tests against it prove nothing about the real
// services: the chat tests drive the real AI SDK clients against it.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, type LanguageModel, streamText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashedEmbedding, type StubProvider, startStubProvider } from './index.js';

let stub: StubProvider;
beforeAll(async () => {
  stub = await startStubProvider();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.reset();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${stub.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('stub provider: OpenAI embeddings', () => {
  it('answers a single string input in the OpenAI response shape', async () => {
    const response = await post('/embeddings', { model: 'm', input: 'Hello world' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: hashedEmbedding('Hello world') }],
      model: 'm',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
  });

  it('encodes vectors as base64 float32 when asked', async () => {
    const response = await post('/embeddings', { model: 'm', input: ['a b'], encoding_format: 'base64' });
    const body = (await response.json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(body.data[0]!.embedding, 'base64');
    const floats = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    const expected = hashedEmbedding('a b');
    expect(floats).toHaveLength(expected.length);
    floats.forEach((value, i) => {
      expect(value).toBeCloseTo(expected[i]!, 6);
    });
  });

  it('honours a requested width and gives wordless text a unit vector', async () => {
    const response = await post('/embeddings', { model: 'm', input: ['...'], dimensions: 16 });
    const body = (await response.json()) as { data: { embedding: number[] }[] };
    const vector = body.data[0]!.embedding;
    expect(vector).toHaveLength(16);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
  });

  it('answers bad requests and unknown paths with OpenAI error bodies', async () => {
    const bad = await post('/embeddings', { model: 'm', input: [] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    const missing = await post('/nowhere', {});
    expect(missing.status).toBe(404);
    expect(stub.requests.map((r) => r.path)).toEqual(['/v1/embeddings', '/v1/nowhere']);
  });

  it('plays scripted failures in order with their retry headers, then recovers', async () => {
    stub.failNext({ status: 429, retryAfterSeconds: 1, times: 1 });
    stub.failNext({ status: 503, retryAfterMs: 250 });
    const limited = await post('/embeddings', { model: 'm', input: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    const unavailable = await post('/embeddings', { model: 'm', input: 'x' });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after-ms')).toBe('250');
    expect((await post('/embeddings', { model: 'm', input: 'x' })).status).toBe(200);
  });

  it('holds a hanging request open until the client aborts, and answers the next one', async () => {
    stub.hangNext();
    const controller = new AbortController();
    const hung = fetch(`${stub.url}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'x' }),
      signal: controller.signal,
    }).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    await stub.waitForRequests(1);
    expect((await post('/embeddings', { model: 'm', input: 'y' })).status).toBe(200);
    controller.abort();
    expect(await hung).toBe('AbortError');
  });

  it('holds a request until the test releases it, then answers it normally', async () => {
    const held = stub.holdNext();
    let answered = false;
    const reply = post('/embeddings', { model: 'm', input: 'x' }).then((response) => {
      answered = true;
      return response;
    });
    await stub.waitForRequests(1);
    // Others pass it by meanwhile.
    expect((await post('/embeddings', { model: 'm', input: 'y' })).status).toBe(200);
    expect(answered).toBe(false);
    held.release();
    expect((await reply).status).toBe(200);
  });
});

/** Each way Parley can reach a model through the AI SDK, and the route it hits. */
const clients: { name: string; path: string; model: () => LanguageModel }[] = [
  {
    name: 'openai.chat()',
    path: '/v1/chat/completions',
    model: () => createOpenAI({ baseURL: stub.url, apiKey: 'k' }).chat('gpt-4o-mini'),
  },
  {
    name: 'openai() (Responses API)',
    path: '/v1/responses',
    model: () => createOpenAI({ baseURL: stub.url, apiKey: 'k' })('gpt-4o-mini'),
  },
  {
    name: 'anthropic()',
    path: '/v1/messages',
    model: () => createAnthropic({ baseURL: stub.url, apiKey: 'k' })('claude-sonnet-4-5'),
  },
];

/** Runs a stream to its end, noting each text delta's arrival time and the error that ended it, if any. */
async function drain(result: { fullStream: AsyncIterable<{ type: string }> }) {
  const start = performance.now();
  const deltas: { text: string; ms: number }[] = [];
  let error: unknown;
  try {
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta' && 'text' in part && typeof part.text === 'string' && part.text !== '') {
        deltas.push({ text: part.text, ms: performance.now() - start });
      }
      if (part.type === 'error' && 'error' in part) error ??= part.error;
    }
  } catch (thrown) {
    error ??= thrown;
  }
  return { deltas, error, text: deltas.map((d) => d.text).join('') };
}

describe.each(clients)('stub provider: $name through the AI SDK', ({ path, model }) => {
  it('answers with the default echo, usage and a stop, and records the prompt it was sent', async () => {
    const result = await generateText({
      model: model(),
      system: 'Quoted passage: refunds take five days.',
      prompt: 'How long do refunds take?',
    });
    expect(result.text).toBe('Stub answer to: How long do refunds take?');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBe(8);
    expect(result.usage.inputTokens).toBe(11);
    expect(stub.requests.map((r) => r.path)).toEqual([path]);
    expect(stub.requests[0]?.prompt).toMatchObject({
      system: 'Quoted passage: refunds take five days.',
      lastUserText: 'How long do refunds take?',
    });
  });

  it('streams a scripted reply token by token at the scripted pace', async () => {
    stub.setReply((prompt) => `one two three for ${prompt.model}`);
    stub.paceNext({ firstTokenDelayMs: 120, tokenIntervalMs: 40 });
    const result = streamText({ model: model(), prompt: 'count' });
    const { deltas, error } = await drain(result);
    expect(error).toBeUndefined();
    expect(deltas.map((d) => d.text)).toEqual(['one', ' two', ' three', ' for', expect.stringMatching(/^ /)]);
    // Token i cannot arrive before it is sent, 120 + 40i ms in (less a timer's early millisecond);
    // a busy client may see two arrive together, so gaps between arrivals are not compared.
    deltas.forEach((delta, i) => {
      expect(delta.ms).toBeGreaterThanOrEqual(115 + 40 * i);
    });
    // Streamed, not buffered: the first token was there long before the last.
    expect(deltas.at(-1)!.ms - deltas[0]!.ms).toBeGreaterThanOrEqual(80);
    expect(await result.finishReason).toBe('stop');
    expect((await result.usage).outputTokens).toBe(5);
  });

  it('stops a stream after some tokens until the test releases it', async () => {
    stub.setReply('one two three four');
    const held = stub.holdNext(1, { afterTokens: 2 });
    const seen: string[] = [];
    for await (const part of streamText({ model: model(), prompt: 'hold' }).fullStream) {
      if (part.type !== 'text-delta' || part.text === '') continue;
      seen.push(part.text);
      if (seen.length === 2) {
        seen.push('(released)');
        held.release();
      }
    }
    expect(seen).toEqual(['one', ' two', '(released)', ' three', ' four']);
  });

  it('truncates a reply at the requested output limit and finishes for length', async () => {
    const result = await generateText({ model: model(), prompt: 'hello there', maxOutputTokens: 2 });
    expect(result.text).toBe('Stub answer');
    expect(result.finishReason).toBe('length');
    const streamed = streamText({ model: model(), prompt: 'hello there', maxOutputTokens: 2 });
    expect((await drain(streamed)).text).toBe('Stub answer');
    expect(await streamed.finishReason).toBe('length');
  });

  it('lets the SDK retry a 429 after the Retry-After it sends, then answers', async () => {
    stub.failNext({ status: 429, retryAfterSeconds: 0, retryAfterMs: 10 });
    const result = await generateText({ model: model(), prompt: 'again' });
    expect(result.text).toBe('Stub answer to: again');
    expect(stub.requests).toHaveLength(2);
  });

  it('surfaces a 500 as a retryable APICallError with the provider error message', async () => {
    stub.failNext({ status: 500, message: 'upstream broke' });
    const error = await generateText({ model: model(), prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 500, isRetryable: true, message: 'upstream broke' });
  });

  it('cuts a stream after some text, which the stream surfaces as a retryable network error', async () => {
    stub.cutNext({ afterTokens: 2 });
    const { text, error } = await drain(streamText({ model: model(), prompt: 'cut me', onError: () => {} }));
    expect(text).toBe('Stub answer');
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ isRetryable: true, cause: { message: 'terminated' } });
    // The stub's own cut is not a client abort.
    expect(stub.aborted).toEqual([]);
  });

  it('records the abort when an AbortSignal ends a hanging request', async () => {
    stub.hangNext();
    const controller = new AbortController();
    const call = generateText({ model: model(), prompt: 'x', abortSignal: controller.signal, maxRetries: 0 });
    await stub.waitForRequests(1);
    const abortedAt = Date.now();
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    // The request hangs until the client goes away: an abort on record can only be the client's.
    const abort = await stub.waitForAbort();
    expect(abort).toMatchObject({ method: 'POST', path, tokensSent: 0 });
    expect(abort.at).toBeGreaterThanOrEqual(abortedAt);
  });

  it('records the abort when the client abandons a stream midway', async () => {
    // A second token would come only after the test's own timeout: the abort alone ends the stream.
    stub.paceNext({ tokenIntervalMs: 600_000 });
    const controller = new AbortController();
    const result = streamText({ model: model(), prompt: 'x', abortSignal: controller.signal });
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta' && part.text !== '') controller.abort();
    }
    const abort = await stub.waitForAbort();
    expect(abort).toMatchObject({ path, tokensSent: 1 });
  });
});

describe('stub provider: error shapes and stream framing on the wire', () => {
  const anthropicHeaders = { 'anthropic-version': '2023-06-01', 'x-api-key': 'k' };

  it("answers Anthropic's 529 with its overloaded_error body, which the SDK surfaces as APICallError 529", async () => {
    stub.failNext({ status: 529, message: 'Overloaded' });
    const model = createAnthropic({ baseURL: stub.url, apiKey: 'k' })('claude-sonnet-4-5');
    const error = await generateText({ model, prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      statusCode: 529,
      isRetryable: true,
      message: 'Overloaded',
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
  });

  it('gives OpenAI routes the OpenAI error body and Anthropic routes the Anthropic one', async () => {
    stub.failNext({ status: 429, retryAfterSeconds: 2, times: 2 });
    const openai = await post('/chat/completions', {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(openai.headers.get('retry-after')).toBe('2');
    expect(await openai.json()).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
    const anthropic = await post(
      '/messages',
      { model: 'm', max_tokens: 9, messages: [{ role: 'user', content: 'x' }] },
      anthropicHeaders,
    );
    expect(await anthropic.json()).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'scripted failure 429' },
    });
  });

  it('requires the anthropic-version header, as Anthropic does', async () => {
    const response = await post('/messages', {
      model: 'm',
      max_tokens: 9,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
    });
  });

  const events = async (response: Response) =>
    (await response.text())
      .split('\n\n')
      .filter((block) => block !== '')
      .map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: /^data: (.*)$/m.exec(block)?.[1] ?? '',
      }));

  it('frames Chat Completions streams as data chunks ending in [DONE], with usage only when asked', async () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true };
    const plain = (await events(await post('/chat/completions', body))).map((e) => e.data);
    expect(plain.at(-1)).toBe('[DONE]');
    const chunks = plain.slice(0, -1).map((data) => JSON.parse(data) as Record<string, unknown>);
    expect(chunks.map((c) => c.choices)).toEqual([
      [
        {
          index: 0,
          delta: { role: 'assistant', content: '', refusal: null },
          logprobs: null,
          finish_reason: null,
        },
      ],
      ...['Stub', ' answer', ' to:', ' hi'].map((content) => [
        { index: 0, delta: { content }, logprobs: null, finish_reason: null },
      ]),
      [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
    ]);
    expect(chunks.some((c) => 'usage' in c)).toBe(false);

    const counted = await events(
      await post('/chat/completions', { ...body, stream_options: { include_usage: true } }),
    );
    expect(JSON.parse(counted.at(-2)!.data)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 4, total_tokens: 5 },
    });
  });

  it('frames Anthropic streams as its named event sequence', async () => {
    const body = { model: 'm', max_tokens: 99, messages: [{ role: 'user', content: 'hi' }], stream: true };
    const stream = await events(await post('/messages', body, anthropicHeaders));
    expect(stream.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...Array(4).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(JSON.parse(stream.at(-2)!.data)).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: 4 },
    });
  });

  it('plays a fault scripted for one path only on that path', async () => {
    stub.failNext({ status: 500, path: '/v1/messages' });
    expect((await post('/embeddings', { model: 'm', input: 'x' })).status).toBe(200);
    const body = { model: 'm', max_tokens: 9, messages: [{ role: 'user', content: 'x' }] };
    expect((await post('/messages', body, anthropicHeaders)).status).toBe(500);
    expect((await post('/messages', body, anthropicHeaders)).status).toBe(200);
  });

  it('cuts a JSON answer halfway through its body', async () => {
    stub.cutNext({ afterTokens: 0 });
    const response = await post('/embeddings', { model: 'm', input: 'x' });
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toThrow('terminated');
  });
});
