import { describe, expect, it } from 'vitest';
import { mrrAt, ndcgAt, recallAt } from './ranking-metrics.js';

const judged = (entries: [string, number][]) => new Map(entries);

describe('ranking metrics', () => {
  it('gives nDCG 1 to an ideal ranking and discounts lower ranks by log2', () => {
    const relevant = judged([['a', 1]]);
    expect(ndcgAt(['a', 'b'], relevant, 10)).toBe(1);
    expect(ndcgAt(['b', 'a'], relevant, 10)).toBeCloseTo(1 / Math.log2(3));
    expect(ndcgAt(['b', 'c'], relevant, 10)).toBe(0);
  });

  it('uses graded gains and ignores documents past k', () => {
    const relevant = judged([
      ['a', 2],
      ['b', 1],
    ]);
    expect(ndcgAt(['b', 'a'], relevant, 10)).toBeCloseTo((1 + 2 / Math.log2(3)) / (2 + 1 / Math.log2(3)));
    expect(ndcgAt(['x', 'a'], relevant, 1)).toBe(0);
  });

  it('computes recall and reciprocal rank at k', () => {
    const relevant = judged([
      ['a', 1],
      ['b', 1],
      ['z', 0],
    ]);
    expect(recallAt(['a', 'x', 'z'], relevant, 100)).toBe(0.5);
    expect(mrrAt(['x', 'z', 'b'], relevant, 10)).toBeCloseTo(1 / 3);
    expect(mrrAt(['x', 'y', 'b'], relevant, 2)).toBe(0);
  });
});
