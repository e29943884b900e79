import { describe, expect, it } from 'vitest';
import { EMBEDDING_SIZE, parseSemanticHead, scoreEmbedding } from './semantic-head.js';
import type { OutOfFoldScore } from './train-classifier.js';
import { chooseBand, fitHead, type SemanticExample, trainSemanticHead } from './train-semantic-head.js';

/** A unit vector pointing mostly along `axis`, with a little of `noise`'s direction. */
function vector(axis: number, noise: number): number[] {
  const v = new Array<number>(EMBEDDING_SIZE).fill(0);
  v[axis] = 1;
  v[(axis + 1 + noise) % EMBEDDING_SIZE] = 0.3;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function example(label: number, probability: number, i: number, set = 'data'): SemanticExample {
  const fast: OutOfFoldScore = {
    probability,
    ruled: false,
    normalized: `text number ${i} of ${label ? 'attack' : 'benign'} ${'x'.repeat(i)}`,
    label,
    set,
    index: i,
  };
  return { vector: vector(label ? 0 : 1, i % 7), fast };
}

describe('fitHead', () => {
  it('separates vectors pointing different ways', () => {
    const data = Array.from({ length: 40 }, (_, i) => example(i % 2, 0.5, i));
    const head = fitHead(data, { l2: 1e-4, iterations: 200, learningRate: 20 });
    expect(scoreEmbedding(head, vector(0, 3))).toBeGreaterThan(0.8);
    expect(scoreEmbedding(head, vector(1, 3))).toBeLessThan(0.2);
  });
});

describe('chooseBand', () => {
  it('escalates the fast scores the fast stage gets wrong and keeps the band narrow otherwise', () => {
    // The fast stage is right outside [0.4, 0.6) and guesses inside it; the semantic score is right everywhere.
    const data = [
      ...Array.from({ length: 20 }, (_, i) => example(1, 0.9, i)),
      ...Array.from({ length: 20 }, (_, i) => example(0, 0.1, 20 + i)),
      ...Array.from({ length: 10 }, (_, i) => example(i % 2, 0.5, 40 + i)),
    ];
    const semantic = data.map((ex) => (ex.fast.label ? 0.9 : 0.1));
    const choice = chooseBand(data, semantic, {
      l2: 1e-4,
      iterations: 1,
      learningRate: 1,
      folds: 2,
      maxFalsePositiveRate: 0.02,
      maxEscalated: 0.5,
      fastThreshold: 0.45,
    });
    expect(choice.f1).toBe(1);
    expect(choice.low).toBeLessThanOrEqual(0.5);
    expect(choice.high).toBeGreaterThan(0.5);
    expect(choice.escalated).toBeLessThanOrEqual(0.2 + 1e-9);
  });
});

describe('trainSemanticHead', () => {
  it('writes a head file that loads, and the same data gives the same file', () => {
    const data = Array.from({ length: 30 }, (_, i) => example(i % 2, i % 2 ? 0.7 : 0.3, i));
    const options = { fastThreshold: 0.5, iterations: 50, folds: 2 };
    const head = trainSemanticHead(data, options);
    expect(trainSemanticHead(data, options)).toEqual(head);
    const loaded = parseSemanticHead(JSON.parse(JSON.stringify(head)));
    expect(loaded.weights).toHaveLength(EMBEDDING_SIZE);
    expect(scoreEmbedding(loaded, vector(0, 2))).toBeGreaterThan(scoreEmbedding(loaded, vector(1, 2)));
  });
});
