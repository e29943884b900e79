// The rerank stage in a turn, with a provider reranker (PARLEY_RERANK=cohere:...) served by the
// stub over Cohere's rerank API: the passages reach the answer in the reranker's order, each with
// its rerank signal in the trace; a reranker that fails or is late leaves the fused order, and the
// turn is answered all the same, with the fallback in the trace and the metrics.
import { describe, expect, it } from 'vitest';
import { useChatFixture } from '../support/chat-fixture.js';
import type { TestDocument } from '../support/documents.js';
import { call } from '../support/http.js';
import { metricValue } from '../support/metrics.js';
import { eventually, OPERATOR_HEADERS } from '../support/test-backend.js';

// Keyword search puts "Sleep" first for the question (it holds both of its search terms); the stub's
// reranker counts every word of the question a passage holds ("when", "do" too), so it prefers "Feeding".
const FEEDING: TestDocument = {
  title: 'Feeding',
  text: 'When do cats eat? Cats eat twice a day, when you feed them.',
  format: 'text',
};
const SLEEP: TestDocument = {
  title: 'Sleep',
  text: 'Cats sleep most of the day in warm spots.',
  format: 'text',
};
const QUESTION = 'When do cats sleep?';
const RERANKER = 'cohere:rerank-v3.5';

interface Trace {
  retriever: string;
  degraded: { retriever: string; message: string }[];
  retrieved: { title: string; signals: Record<string, { rank: number; score: number }> }[];
}

describe('the rerank stage in a turn', () => {
  const t = useChatFixture({
    env: {
      PARLEY_RERANK: RERANKER,
      PARLEY_RERANK_TIMEOUT_MS: '2000',
      PARLEY_RETRIEVAL_CACHE_SECONDS: '0',
      PARLEY_ANSWER_CACHE_SECONDS: '0',
    },
    documents: [FEEDING, SLEEP],
  });
  const traceOf = (turnId: string) =>
    eventually(async () => {
      const trace = await call<Trace>(t.app, { method: 'GET', url: `/v1/turns/${turnId}/trace` });
      return trace.status === 200 ? trace.body : undefined;
    });
  const ask = async () => {
    const answer = await t.chat<{ turn_id: string }>({ message: QUESTION });
    expect(answer.status).toBe(200);
    return traceOf(answer.body.turn_id);
  };

  it('orders the passages as the reranker scores them', async () => {
    const trace = await ask();
    expect(trace.retriever).toBe(`bm25>${RERANKER}`);
    expect(trace.degraded).toEqual([]);
    expect(trace.retrieved.map((passage) => passage.title)).toEqual(['Feeding', 'Sleep']);
    const [feeding, sleep] = trace.retrieved;
    expect(feeding!.signals.bm25!.rank).toBe(2);
    expect(sleep!.signals.bm25!.rank).toBe(1);
    expect(feeding!.signals.rerank!.rank).toBe(1);
    expect(feeding!.signals.rerank!.score).toBeGreaterThan(sleep!.signals.rerank!.score);
    // The reranker read the passages with their titles, in fused order.
    const sent = t.stub.requests.find((request) => request.path === '/v1/rerank')?.body;
    expect(sent).toMatchObject({ model: 'rerank-v3.5', query: QUESTION });
    expect((sent as { documents: string[] }).documents[0]).toMatch(/^Sleep\n/);
  });

  it('shows the operator the reranker, its budget and its breaker in /readyz', async () => {
    const ready = await call<{ retrieval: { rerank: unknown } }>(t.app, {
      method: 'GET',
      url: '/readyz',
      headers: OPERATOR_HEADERS,
    });
    expect(ready.body.retrieval.rerank).toEqual({
      reranker: RERANKER,
      top_n: 30,
      timeout_ms: 2000,
      circuit: 'closed',
    });
  });

  it('answers in the fused order when the reranker fails, and says so in the trace and the metrics', async () => {
    const before = await metricValue(t.app, 'parley_rerank_requests_total', { outcome: 'error' });
    t.stub.failNext({ status: 503, path: '/v1/rerank' });
    const trace = await ask();
    expect(trace.retrieved.map((passage) => passage.title)).toEqual(['Sleep', 'Feeding']);
    expect(trace.retrieved[0]!.signals.rerank).toBeUndefined();
    expect(trace.degraded).toEqual([
      { retriever: `rerank:${RERANKER}`, message: expect.stringMatching(/HTTP 503.*the fused order stands/) },
    ]);
    expect(
      await metricValue(t.app, 'parley_rerank_requests_total', { outcome: 'error', reranker: RERANKER }),
    ).toBe(before + 1);
  });

  it('does not wait past its timeout for a reranker that hangs', async () => {
    const before = await metricValue(t.app, 'parley_rerank_requests_total', { outcome: 'timeout' });
    t.stub.hangNext(1, { path: '/v1/rerank' });
    const trace = await ask();
    expect(trace.retrieved.map((passage) => passage.title)).toEqual(['Sleep', 'Feeding']);
    expect(trace.degraded[0]?.message).toMatch(/no ranking within 2000 ms/);
    expect(await metricValue(t.app, 'parley_rerank_requests_total', { outcome: 'timeout' })).toBe(before + 1);
    // The reranker's request was given up, not left open.
    await t.stub.waitForAbort();
  });
});

describe('the local reranker in a turn', () => {
  const t = useChatFixture({
    env: { PARLEY_RERANK: 'local', PARLEY_RETRIEVAL_CACHE_SECONDS: '0', PARLEY_ANSWER_CACHE_SECONDS: '0' },
    documents: [FEEDING, SLEEP],
  });

  it('scores the passages in the process, with no provider call, and says so in the trace', async () => {
    const answer = await t.chat<{ turn_id: string }>({ message: QUESTION });
    expect(answer.status).toBe(200);
    const trace = await eventually(async () => {
      const read = await call<Trace>(t.app, { method: 'GET', url: `/v1/turns/${answer.body.turn_id}/trace` });
      return read.status === 200 ? read.body : undefined;
    });
    expect(trace.retriever).toBe('bm25>local');
    expect(trace.degraded).toEqual([]);
    for (const passage of trace.retrieved) {
      expect(passage.signals.rerank!.score).toBeGreaterThanOrEqual(0);
      expect(passage.signals.rerank!.score).toBeLessThanOrEqual(1);
    }
    // Both of the question's search terms are in "Sleep": it stays first.
    expect(trace.retrieved[0]!.title).toBe('Sleep');
    expect(t.stub.requests.filter((request) => request.path === '/v1/rerank')).toEqual([]);
    expect(
      await metricValue(t.app, 'parley_rerank_requests_total', { reranker: 'local', outcome: 'reranked' }),
    ).toBe(1);
  });
});
