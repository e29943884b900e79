import { describe, expect, it } from 'vitest';
import { fuseByRank } from './fuse-by-rank.js';
import type { RetrievedChunk } from './types.js';

const chunk = (id: number, retriever: string, rank: number): RetrievedChunk => ({
  chunkId: id,
  documentId: `doc-${id}`,
  title: `T${id}`,
  source: null,
  headingPath: '',
  text: `text ${id}`,
  tokenCount: 3,
  score: 1 / rank,
  signals: { [retriever]: { rank, score: 1 / rank } },
});

describe('fuseByRank', () => {
  it('ranks a chunk found by both retrievers above chunks found by one', () => {
    const keyword = [chunk(1, 'bm25', 1), chunk(2, 'bm25', 2), chunk(3, 'bm25', 3)];
    const vector = [chunk(4, 'vector', 1), chunk(3, 'vector', 2)];
    const fused = fuseByRank([keyword, vector], 10);
    expect(fused[0]?.chunkId).toBe(3);
    expect(fused[0]?.signals).toEqual({ bm25: { rank: 3, score: 1 / 3 }, vector: { rank: 2, score: 1 / 2 } });
    expect(fused[0]?.score).toBeCloseTo(1 / 63 + 1 / 62);
  });

  it('keeps topK, breaks ties by chunk id, and does not mutate its input', () => {
    const a = [chunk(5, 'bm25', 1)];
    const b = [chunk(2, 'vector', 1)];
    const fused = fuseByRank([a, b], 1);
    expect(fused.map((c) => c.chunkId)).toEqual([2]);
    expect(a[0]?.signals).toEqual({ bm25: { rank: 1, score: 1 } });
  });

  it('returns nothing for no lists', () => {
    expect(fuseByRank([], 5)).toEqual([]);
  });
});
