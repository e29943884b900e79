import { describe, expect, it } from 'vitest';
import { CachedRetriever } from './cached-retriever.js';
import type { RetrievedChunk, Retriever, SearchOptions, SearchResult } from './types.js';

const chunk = (id: number): RetrievedChunk => ({
  chunkId: id,
  documentId: `d${id}`,
  title: `T${id}`,
  source: null,
  headingPath: '',
  text: `text ${id}`,
  tokenCount: 2,
  score: 1,
  signals: {},
});

class CountingRetriever implements Retriever {
  readonly name = 'counting';
  calls = 0;
  failNext = false;
  async search(_query: string, _options: SearchOptions): Promise<SearchResult> {
    this.calls++;
    const failures = this.failNext ? [{ retriever: 'vector', message: 'embedding timed out' }] : [];
    this.failNext = false;
    return { chunks: [chunk(this.calls)], failures };
  }
}

describe('CachedRetriever', () => {
  const options = (tenantId = 't1'): SearchOptions => ({ tenantId, topK: 8 });

  it('answers the same question to the same tenant from the cache, whatever its spacing and case', async () => {
    const inner = new CountingRetriever();
    const cached = new CachedRetriever(inner, { ttlMs: 60_000 });
    const first = await cached.search('How do hooks work?', options());
    const again = await cached.search('  how do   HOOKS work? ', options());
    expect(inner.calls).toBe(1);
    expect([first.cache, again.cache]).toEqual(['miss', 'hit']);
    expect(again.chunks[0]?.chunkId).toBe(1);
  });

  it('never shares results across tenants, top-k or knowledge bases', async () => {
    const inner = new CountingRetriever();
    const cached = new CachedRetriever(inner, { ttlMs: 60_000 });
    await cached.search('q', options('t1'));
    await cached.search('q', options('t2'));
    await cached.search('q', { ...options('t1'), topK: 3 });
    await cached.search('q', { ...options('t1'), knowledgeBaseIds: ['kb2'] });
    expect(inner.calls).toBe(4);
  });

  it("drops a tenant's entries when its documents change, and only that tenant's", async () => {
    const inner = new CountingRetriever();
    const cached = new CachedRetriever(inner, { ttlMs: 60_000 });
    await cached.search('q', options('t1'));
    await cached.search('q', options('t2'));
    cached.invalidate('t1');
    const t1 = await cached.search('q', options('t1'));
    const t2 = await cached.search('q', options('t2'));
    expect([t1.cache, t2.cache]).toEqual(['miss', 'hit']);
  });

  it('does not keep a degraded result (a retriever failed), and reports the failure', async () => {
    const inner = new CountingRetriever();
    const cached = new CachedRetriever(inner, { ttlMs: 60_000 });
    inner.failNext = true;
    const degraded = await cached.search('q', options());
    expect(degraded.failures).toEqual([{ retriever: 'vector', message: 'embedding timed out' }]);
    const next = await cached.search('q', options());
    expect(next.cache).toBe('miss');
    expect(inner.calls).toBe(2);
  });

  it('passes every search through when turned off', async () => {
    const inner = new CountingRetriever();
    const cached = new CachedRetriever(inner, { ttlMs: 0 });
    await cached.search('q', options());
    await cached.search('q', options());
    expect(inner.calls).toBe(2);
  });
});
