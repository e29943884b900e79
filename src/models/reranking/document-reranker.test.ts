// A provider reranker through the real AI SDK Cohere client against the local stub provider, which
// speaks Cohere's v2 rerank API.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type StubProvider, startStubProvider } from '../../../test/support/stub-provider/index.js';
import { isParleyError } from '../../errors/index.js';
import { createDocumentReranker } from './document-reranker.js';

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

const providers = (cohere: { apiKey?: string; baseUrl?: string }) => ({ openai: {}, anthropic: {}, cohere });
const reranker = () =>
  createDocumentReranker('cohere:rerank-v3.5', providers({ apiKey: 'co-test', baseUrl: stub.url }));
const DOCUMENTS = [
  'Bread rises with yeast.',
  'The Moon pulls on the oceans and makes the tides.',
  'Tides come twice a day.',
];

describe('a provider reranker (Cohere API)', () => {
  it('scores every document, in the documents’ order, with the model and key configured', async () => {
    const scores = await reranker().rank(
      'What makes the tides in the oceans?',
      DOCUMENTS,
      AbortSignal.timeout(5_000),
    );
    expect(scores).toHaveLength(3);
    // The stub scores by the query's words a document holds: the second holds most, the third one.
    expect(scores[1]).toBeGreaterThan(scores[2]!);
    expect(scores[2]).toBeGreaterThan(scores[0]!);
    expect(scores[0]).toBe(0);
    const [request] = stub.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/rerank' });
    expect(request!.headers.authorization).toBe('Bearer co-test');
    expect(request!.body).toMatchObject({
      model: 'rerank-v3.5',
      query: 'What makes the tides in the oceans?',
      documents: DOCUMENTS,
    });
  });

  it('fails at once on a rate limit (no retries: the fused order stands in), as a dependency error', async () => {
    stub.failNext({ status: 429, retryAfterSeconds: 1, path: '/v1/rerank' });
    const error = await reranker()
      .rank('tides', DOCUMENTS, AbortSignal.timeout(5_000))
      .then(
        () => undefined,
        (failure: unknown) => failure,
      );
    expect(isParleyError(error) && error.code).toBe('PARLEY_ERR_DEPENDENCY');
    expect(String((error as Error).message)).toMatch(/reranker cohere:rerank-v3.5 failed: HTTP 429/);
    expect(stub.requests).toHaveLength(1);
  });

  it('stops the request when its signal aborts', async () => {
    stub.hangNext(1, { path: '/v1/rerank' });
    const abort = new AbortController();
    const ranking = reranker().rank('tides', DOCUMENTS, abort.signal);
    await stub.waitForRequests(1);
    abort.abort(new Error('late'));
    await expect(ranking).rejects.toThrow();
    await stub.waitForAbort();
  });

  it('names what is wrong with a reference or a missing connection', () => {
    expect(() => createDocumentReranker('rerank-v3.5', providers({}))).toThrow(
      /expected local or provider:model/,
    );
    expect(() => createDocumentReranker('acme:ranker', providers({}))).toThrow(
      /unknown reranking provider "acme"/,
    );
    expect(() => createDocumentReranker('cohere:rerank-v3.5', providers({}))).toThrow(/no API key/);
  });
});
