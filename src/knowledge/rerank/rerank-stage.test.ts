import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { RetrievedChunk, Retriever, SearchOptions } from '../retrieve/types.js';
import { RerankingRetriever } from './rerank-stage.js';
import type { Reranker } from './types.js';

const chunk = (id: number): RetrievedChunk => ({
  chunkId: id,
  documentId: `doc-${id}`,
  title: `Title ${id}`,
  source: null,
  headingPath: '',
  text: `text ${id}`,
  tokenCount: 2,
  score: 1 / (60 + id),
  signals: { bm25: { rank: id, score: 10 - id } },
});

/** A fused retriever that finds chunks 1..n in that order, and records the top-k it was asked for. */
function fused(n: number): Retriever & { asked: number[] } {
  const asked: number[] = [];
  return {
    name: 'bm25',
    asked,
    async search(_query: string, options: SearchOptions) {
      asked.push(options.topK);
      return {
        chunks: Array.from({ length: Math.min(n, options.topK) }, (_, i) => chunk(i + 1)),
        failures: [],
      };
    },
  };
}

/** A reranker that prefers higher chunk ids (the fused order reversed). */
const reversing: Reranker = {
  name: 'reverse',
  async score(_query, candidates) {
    return candidates.map((candidate) => candidate.chunkId / 100);
  },
};

const failing = (error: Error): Reranker => ({
  name: 'broken',
  score: () => Promise.reject(error),
});

/** A reranker that never answers (and ignores its signal, as a careless one might). */
const silent: Reranker = { name: 'silent', score: () => new Promise(() => {}) };

const search = (retriever: Retriever, topK = 3, signal?: AbortSignal) =>
  retriever.search('q', { tenantId: 't', topK, ...(signal ? { signal } : {}) });

describe('RerankingRetriever', () => {
  it('orders the top N by the reranker and keeps the rest in fused order after them', async () => {
    const inner = fused(10);
    const stage = new RerankingRetriever(inner, reversing, { topN: 4, timeoutMs: 1_000 });
    const found = await search(stage, 6);
    // Asked for the reranker's N when that is more than the caller's k.
    expect(inner.asked).toEqual([6]);
    expect(found.chunks.map((c) => c.chunkId)).toEqual([4, 3, 2, 1, 5, 6]);
    expect(found.chunks[0]!.signals).toEqual({
      bm25: { rank: 4, score: 6 },
      rerank: { rank: 1, score: 0.04 },
    });
    expect(found.chunks[0]!.score).toBe(0.04);
    // Below the reranked ones: no rerank signal, and a score under every reranked one.
    expect(found.chunks[4]!.signals.rerank).toBeUndefined();
    expect(found.chunks[4]!.score).toBe(0);
    expect(found.failures).toEqual([]);
  });

  it('asks the fused retriever for N candidates and returns the caller’s k', async () => {
    const inner = fused(50);
    const stage = new RerankingRetriever(inner, reversing, { topN: 30, timeoutMs: 1_000 });
    const found = await search(stage, 3);
    expect(inner.asked).toEqual([30]);
    expect(found.chunks.map((c) => c.chunkId)).toEqual([30, 29, 28]);
  });

  it('keeps the fused order for equal scores', async () => {
    const flat: Reranker = { name: 'flat', score: async (_q, candidates) => candidates.map(() => 0.5) };
    const found = await search(new RerankingRetriever(fused(5), flat, { topN: 5, timeoutMs: 1_000 }), 5);
    expect(found.chunks.map((c) => c.chunkId)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps the fused order, named among the failures, when the reranker fails or is late', async () => {
    const registry = new Registry();
    const broken = new RerankingRetriever(fused(5), failing(new Error('HTTP 503')), {
      topN: 5,
      timeoutMs: 1_000,
    });
    broken.registerMetrics(registry);
    const failed = await search(broken);
    expect(failed.chunks.map((c) => c.chunkId)).toEqual([1, 2, 3]);
    expect(failed.chunks[0]!.signals.rerank).toBeUndefined();
    expect(failed.failures).toEqual([
      { retriever: 'rerank:broken', message: 'HTTP 503: the fused order stands' },
    ]);

    const late = new RerankingRetriever(fused(5), silent, { topN: 5, timeoutMs: 20 });
    const lateRegistry = new Registry();
    late.registerMetrics(lateRegistry);
    const timedOut = await search(late);
    expect(timedOut.chunks.map((c) => c.chunkId)).toEqual([1, 2, 3]);
    expect(timedOut.failures[0]).toEqual({
      retriever: 'rerank:silent',
      message: 'no ranking within 20 ms: the fused order stands',
    });
    const counted = async (from: Registry) =>
      (await from.getSingleMetric('parley_rerank_requests_total')!.get()).values;
    expect(await counted(registry)).toEqual([
      expect.objectContaining({ labels: { reranker: 'broken', outcome: 'error' }, value: 1 }),
    ]);
    expect(await counted(lateRegistry)).toEqual([
      expect.objectContaining({ labels: { reranker: 'silent', outcome: 'timeout' }, value: 1 }),
    ]);
  });

  it('rejects a reranker that scores some candidates only', async () => {
    const short: Reranker = { name: 'short', score: async () => [0.9] };
    const found = await search(new RerankingRetriever(fused(5), short, { topN: 5, timeoutMs: 1_000 }));
    expect(found.chunks.map((c) => c.chunkId)).toEqual([1, 2, 3]);
    expect(found.failures[0]!.message).toMatch(/scored 1 of 5 candidates/);
  });

  it('stops calling a reranker that keeps failing, and tries it again after the cool-down', async () => {
    let calls = 0;
    let healthy = false;
    const flaky: Reranker = {
      name: 'flaky',
      async score(_q, candidates) {
        calls += 1;
        if (!healthy) throw new Error('HTTP 500');
        return candidates.map((c) => c.chunkId / 100);
      },
    };
    const stage = new RerankingRetriever(fused(5), flaky, {
      topN: 5,
      timeoutMs: 1_000,
      breakerThreshold: 2,
      breakerCooldownMs: 50,
    });
    await search(stage);
    await search(stage);
    const skipped = await search(stage);
    expect(calls).toBe(2);
    expect(skipped.failures[0]!.message).toMatch(/left alone for now/);
    healthy = true;
    // Half-open once the cool-down is over: the next search tries it, and it is trusted again.
    await new Promise((resolve) => setTimeout(resolve, 60));
    const again = await search(stage);
    expect(calls).toBe(3);
    expect(again.chunks.map((c) => c.chunkId)).toEqual([5, 4, 3]);
  });

  it('passes the caller’s cancellation on instead of falling back', async () => {
    const abort = new AbortController();
    const stage = new RerankingRetriever(fused(5), silent, { topN: 5, timeoutMs: 10_000 });
    const searching = search(stage, 3, abort.signal);
    abort.abort(new Error('client left'));
    await expect(searching).rejects.toThrow('client left');
  });

  it('leaves a search with one candidate alone', async () => {
    const found = await search(
      new RerankingRetriever(fused(1), failing(new Error('unused')), { topN: 5, timeoutMs: 10 }),
    );
    expect(found.chunks.map((c) => c.chunkId)).toEqual([1]);
    expect(found.failures).toEqual([]);
  });
});
