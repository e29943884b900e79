import { describe, expect, it } from 'vitest';
import type { RetrievedChunk } from '../knowledge/index.js';
import { questionCoverage } from './relevance.js';

const passage = (chunkId: number, title: string, text: string): RetrievedChunk => ({
  chunkId,
  documentId: `d${chunkId}`,
  title,
  source: null,
  headingPath: '',
  text,
  tokenCount: 10,
  score: 1,
  signals: {},
});

describe('questionCoverage', () => {
  it('is the share of the question’s content words found in the best passages, by stem', () => {
    const passages = [
      passage(1, 'Logging', 'Fastify logs requests with pino.'),
      passage(2, 'Hooks', 'onRequest runs first.'),
    ];
    expect(questionCoverage('How do I configure logging of requests?', passages)).toBeCloseTo(2 / 3);
    expect(questionCoverage('What is it?', passages)).toBe(1);
    // Only the top passages count.
    expect(questionCoverage('onRequest hooks', passages, 1)).toBe(0);
  });

  it('reads a chunk again when its title changed since it was last read', () => {
    expect(questionCoverage('redact passwords', [passage(7, 'Logging', 'Hide fields with redact.')])).toBe(
      0.5,
    );
    expect(questionCoverage('redact passwords', [passage(7, 'Passwords', 'Hide fields with redact.')])).toBe(
      1,
    );
  });
});
