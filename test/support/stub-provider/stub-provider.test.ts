// The stub must answer like OpenAI does, or tests against it prove nothing about the real service.
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

const post = (path: string, body: unknown) =>
  fetch(`${stub.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
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
});
