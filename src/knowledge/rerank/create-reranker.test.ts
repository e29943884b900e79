import { describe, expect, it } from 'vitest';
import { createReranker } from './create-reranker.js';
import { LocalReranker } from './local-reranker.js';

const providers = { openai: {}, anthropic: {}, cohere: {} };

describe('createReranker', () => {
  it('builds the local reranker for PARLEY_RERANK=local, and none when unset', () => {
    expect(createReranker('local', providers)).toBeInstanceOf(LocalReranker);
    expect(createReranker(' local ', providers)?.name).toBe('local');
    expect(createReranker(undefined, providers)).toBeUndefined();
    expect(createReranker('', providers)).toBeUndefined();
  });
});
