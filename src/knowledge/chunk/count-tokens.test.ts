import { describe, expect, it } from 'vitest';
import { countTokens } from './count-tokens.js';

describe('countTokens', () => {
  it('counts with a real BPE tokenizer', () => {
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('fastify.route(options)')).toBeGreaterThan(2);
  });

  it('counts the empty string as zero', () => {
    expect(countTokens('')).toBe(0);
  });

  it('treats special-token markers in documents as plain text instead of throwing', () => {
    expect(countTokens('before <|endoftext|> after')).toBeGreaterThan(3);
  });
});
