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

  it('counts a very long word piece by piece, within a token per piece of the whole count', async () => {
    const { countTokens: whole } = await import('gpt-tokenizer/encoding/o200k_base');
    for (const word of ['a'.repeat(1_000), 'xq7z'.repeat(300), 'https://example.com/'.repeat(40)]) {
      const pieces = Math.ceil(word.length / 256);
      expect(Math.abs(countTokens(word) - whole(word))).toBeLessThanOrEqual(pieces);
      expect(
        Math.abs(countTokens(`before ${word} after`) - whole(`before ${word} after`)),
      ).toBeLessThanOrEqual(pieces);
    }
    // Text without such a run is counted whole, exactly.
    expect(countTokens('The quick brown fox jumps over the lazy dog.')).toBe(
      whole('The quick brown fox jumps over the lazy dog.'),
    );
  });
});
