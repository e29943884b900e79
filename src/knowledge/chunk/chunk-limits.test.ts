import { describe, expect, it } from 'vitest';
import { resolveChunkLimits } from './chunk-limits.js';

describe('resolveChunkLimits', () => {
  it('applies the defaults', () => {
    expect(resolveChunkLimits()).toEqual({ target: 384, max: 512, overlap: 48, min: 64 });
  });

  it('keeps the target within the maximum and the overlap within half the target', () => {
    expect(resolveChunkLimits({ targetTokens: 1000, maxTokens: 200, overlapTokens: 500 })).toEqual({
      target: 200,
      max: 200,
      overlap: 100,
      min: 64,
    });
  });

  it('ignores values that are not finite and floors fractions', () => {
    expect(resolveChunkLimits({ targetTokens: Number.NaN, maxTokens: 300.7, minTokens: -5 })).toEqual({
      target: 300,
      max: 300,
      overlap: 48,
      min: 0,
    });
  });
});
