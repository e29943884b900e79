// Reciprocal-rank fusion (Cormack et al., 2009): score = sum over retrievers of 1 / (k + rank).
import type { RetrievedChunk } from './types.js';

/** k = 60 is the constant from the original paper and the common default. */
export function fuseByRank(lists: RetrievedChunk[][], topK: number, k = 60): RetrievedChunk[] {
  const fused = new Map<number, RetrievedChunk>();
  for (const list of lists) {
    list.forEach((chunk, index) => {
      const contribution = 1 / (k + index + 1);
      const existing = fused.get(chunk.chunkId);
      if (existing) {
        existing.score += contribution;
        Object.assign(existing.signals, chunk.signals);
      } else {
        fused.set(chunk.chunkId, { ...chunk, score: contribution, signals: { ...chunk.signals } });
      }
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || a.chunkId - b.chunkId).slice(0, topK);
}
