// Applies ChunkOptions defaults and keeps the sizes consistent (target <= max, overlap < target).

import type { ChunkLimits, ChunkOptions } from './types.js';

export const DEFAULT_CHUNK_LIMITS: Readonly<ChunkLimits> = { target: 384, max: 512, overlap: 48, min: 64 };

export function resolveChunkLimits(options: ChunkOptions = {}): ChunkLimits {
  const max = whole(options.maxTokens, DEFAULT_CHUNK_LIMITS.max, 1);
  const target = Math.min(whole(options.targetTokens, DEFAULT_CHUNK_LIMITS.target, 1), max);
  // Overlap beyond half a chunk would make consecutive chunks mostly the same text.
  const overlap = Math.min(
    whole(options.overlapTokens, DEFAULT_CHUNK_LIMITS.overlap, 0),
    Math.floor(target / 2),
  );
  const min = Math.min(whole(options.minTokens, DEFAULT_CHUNK_LIMITS.min, 0), target);
  return { target, max, overlap, min };
}

function whole(value: number | undefined, fallback: number, least: number): number {
  return value === undefined || !Number.isFinite(value) ? fallback : Math.max(least, Math.floor(value));
}
