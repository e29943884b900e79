import { describe, expect, it } from 'vitest';
import { countTokens } from './count-tokens.js';
import { splitByTokens, tailByTokens } from './split-by-tokens.js';

const base64ish = Array.from(
  { length: 4000 },
  (_, i) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+/'[(i * 7919) % 44],
).join('');

describe('splitByTokens', () => {
  it('cuts text without spaces into pieces within the limit that join back losslessly', () => {
    const pieces = splitByTokens(base64ish, 100);
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.join('')).toBe(base64ish);
    for (const piece of pieces) expect(countTokens(piece)).toBeLessThanOrEqual(100);
  });

  it('cuts after whitespace where it can', () => {
    const words = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ');
    const pieces = splitByTokens(words, 50);
    expect(pieces.join('')).toBe(words);
    for (const piece of pieces.slice(0, -1)) expect(piece.endsWith(' ')).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const emoji = '😀🎉🚀🌍'.repeat(200);
    const pieces = splitByTokens(emoji, 30);
    expect(pieces.join('')).toBe(emoji);
    for (const piece of pieces) expect(piece).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
  });

  it('returns text within the limit as one piece', () => {
    expect(splitByTokens('short text', 100)).toEqual(['short text']);
  });
});

describe('tailByTokens', () => {
  it('returns an end of the text within the limit, starting at a word', () => {
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const tail = tailByTokens(words, 20);
    expect(words.endsWith(tail)).toBe(true);
    expect(countTokens(tail)).toBeLessThanOrEqual(20);
    expect(countTokens(tail)).toBeGreaterThan(10);
    expect(tail).toMatch(/^word\d+ /);
  });

  it('returns all of a short text and nothing for a zero limit', () => {
    expect(tailByTokens('all of it', 20)).toBe('all of it');
    expect(tailByTokens('all of it', 0)).toBe('');
  });
});
