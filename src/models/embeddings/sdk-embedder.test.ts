// The OpenAI embedder through the real AI SDK client against the local stub provider.
import { cosineSimilarity } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  hashedEmbedding,
  type StubProvider,
  startStubProvider,
} from '../../../test/support/stub-provider/index.js';
import { isParleyError, type ParleyError } from '../../errors/index.js';
import { createEmbedder } from './create-embedder.js';
import type { Embedder, EmbedderOptions } from './types.js';

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

function openAIEmbedder(options?: EmbedderOptions): Embedder {
  const embedder = createEmbedder(
    'openai:text-embedding-3-small',
    { openai: { apiKey: 'sk-test', baseUrl: stub.url }, anthropic: {}, cohere: {} },
    options,
  );
  if (!embedder) throw new Error('expected an embedder');
  return embedder;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

async function parleyRejection(promise: Promise<unknown>): Promise<ParleyError> {
  const error = await rejection(promise);
  if (!isParleyError(error)) throw error;
  return error;
}

const inputsOf = (body: unknown) => (body as { input: string[] }).input;

describe('SdkEmbedder over OpenAI', () => {
  it('splits large input into requests of 96 and returns vectors in input order', async () => {
    const texts = Array.from({ length: 250 }, (_, i) => `passage ${i} about topic ${i % 7} and item${i}`);
    const vectors = await openAIEmbedder().embed(texts);

    expect(stub.requests).toHaveLength(Math.ceil(250 / 96));
    const batchSizes = stub.requests.map((request) => inputsOf(request.body).length).sort((a, b) => a - b);
    expect(batchSizes).toEqual([58, 96, 96]);
    expect(vectors).toHaveLength(250);
    vectors.forEach((vector, i) => {
      expect(vector).toEqual(hashedEmbedding(texts[i]!));
    });
  });

  it('keeps at most two batches in flight', async () => {
    stub.delayNext(50, 5);
    const texts = Array.from({ length: 50 }, (_, i) => `text ${i}`);
    const vectors = await openAIEmbedder({ batchSize: 10 }).embed(texts);
    expect(vectors).toHaveLength(50);
    expect(stub.requests).toHaveLength(5);
    expect(stub.maxConcurrentRequests).toBe(2);
  });

  it('returns [] for no texts without a request', async () => {
    expect(await openAIEmbedder().embed([])).toEqual([]);
    expect(stub.requests).toHaveLength(0);
  });

  it('probes the dimensions once and then knows them', async () => {
    const embedder = openAIEmbedder();
    expect(() => embedder.dimensions).toThrow(/probeDimensions/);
    expect(await embedder.probeDimensions()).toBe(64);
    expect(await embedder.probeDimensions()).toBe(64);
    expect(embedder.dimensions).toBe(64);
    expect(stub.requests).toHaveLength(1);
  });

  it('learns the dimensions from a first embed call', async () => {
    const other = await startStubProvider({ dimensions: 24 });
    try {
      const embedder = createEmbedder('openai:m', {
        openai: { baseUrl: other.url },
        anthropic: {},
        cohere: {},
      });
      await embedder?.embed(['a text']);
      expect(embedder?.dimensions).toBe(24);
      expect(await embedder?.probeDimensions()).toBe(24);
      expect(other.requests).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('gives texts that share words closer vectors than unrelated texts', async () => {
    const [query, related, unrelated] = await openAIEmbedder().embed([
      'How do I get a refund for my order?',
      'Refunds for orders are issued within 14 days.',
      'The weather in Paris is mild in spring.',
    ]);
    expect(cosineSimilarity(query!, related!)).toBeGreaterThan(cosineSimilarity(query!, unrelated!) + 0.2);
  });

  it('retries a 429 after the Retry-After delay and succeeds', async () => {
    stub.failNext({ status: 429, retryAfterSeconds: 3, times: 2 });
    const started = performance.now();
    const vectors = await openAIEmbedder().embed(['rate limited text']);
    const elapsed = performance.now() - started;

    expect(vectors[0]).toEqual(hashedEmbedding('rate limited text'));
    expect(stub.requests).toHaveLength(3);
    // Two waits of 3 s each. The SDK's own backoff would wait 2 s, then 4 s (6 s as well), so the
    // first wait is what tells them apart: the second request came no sooner than 3 s after the
    // first. Only lower bounds: a busy machine makes the waits longer, never shorter.
    const [first, second] = stub.requests.map((request) => request.at);
    expect(second! - first!).toBeGreaterThanOrEqual(2_950);
    expect(elapsed).toBeGreaterThanOrEqual(5_900);
  });

  it('gives up on a request that hangs after timeoutMs with a retryable dependency error', async () => {
    // The request hangs until its client gives up: only the 200 ms deadline can end it.
    stub.hangNext();
    const error = await parleyRejection(openAIEmbedder({ timeoutMs: 200 }).embed(['hello']));

    expect(error.code).toBe('PARLEY_ERR_DEPENDENCY');
    expect(error.isRetryable).toBe(true);
    expect(error.message).toBe('embedding provider failed: no response within 200 ms');
    // The client abandoned the hanging request itself, and did not try again.
    expect(await stub.waitForAbort()).toMatchObject({ path: '/v1/embeddings', tokensSent: 0 });
    expect(stub.requests).toHaveLength(1);
  });

  it('reports 500s beyond the retries as a retryable dependency error', async () => {
    stub.failNext({ status: 500, retryAfterMs: 10, times: 3, message: 'upstream exploded' });
    const error = await parleyRejection(openAIEmbedder({ maxRetries: 2 }).embed(['hello']));

    expect(stub.requests).toHaveLength(3);
    expect(error.code).toBe('PARLEY_ERR_DEPENDENCY');
    expect(error.httpStatus).toBe(503);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain('embedding provider failed: HTTP 500: upstream exploded');
  });

  it('does not retry a 400 and marks it not retryable', async () => {
    stub.failNext({ status: 400, message: 'input too long' });
    const error = await parleyRejection(openAIEmbedder().embed(['hello']));

    expect(stub.requests).toHaveLength(1);
    expect(error.code).toBe('PARLEY_ERR_DEPENDENCY');
    expect(error.isRetryable).toBe(false);
    expect(error.message).toContain('HTTP 400: input too long');
  });

  it('treats a refused connection as a retryable dependency failure', async () => {
    const gone = await startStubProvider();
    await gone.close();
    const embedder = createEmbedder(
      'openai:m',
      { openai: { baseUrl: gone.url }, anthropic: {}, cohere: {} },
      { maxRetries: 0 },
    );
    const error = await parleyRejection(embedder!.embed(['hello']));
    expect(error.code).toBe('PARLEY_ERR_DEPENDENCY');
    expect(error.isRetryable).toBe(true);
  });

  it("rejects with the caller's abort, not a provider error, when the caller cancels", async () => {
    stub.hangNext();
    const controller = new AbortController();
    const pending = openAIEmbedder().embed(['hello'], { signal: controller.signal });
    await stub.waitForRequests(1);
    controller.abort();
    const error = await rejection(pending);
    expect(isParleyError(error)).toBe(false);
    expect((error as Error).name).toBe('AbortError');
  });
});
