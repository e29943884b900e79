import { describe, expect, it } from 'vitest';
import { countTokens } from './count-tokens.js';
import { measureUnits } from './measure-units.js';
import type { ChunkLimits } from './types.js';

const limits: ChunkLimits = { target: 40, max: 60, overlap: 10, min: 10 };

describe('measureUnits', () => {
  it('keeps paragraphs and code blocks that fit as single units, counted exactly', () => {
    const units = measureUnits('First paragraph.\n\n```sh\nnpm i\n\nnpm test\n```\n\nLast.', limits);
    expect(units).toEqual([
      { text: 'First paragraph.', tokens: countTokens('First paragraph.'), separator: '', code: false },
      {
        text: '```sh\nnpm i\n\nnpm test\n```',
        tokens: countTokens('```sh\nnpm i\n\nnpm test\n```'),
        separator: '\n\n',
        code: true,
      },
      { text: 'Last.', tokens: countTokens('Last.'), separator: '\n\n', code: false },
    ]);
  });

  it('splits a paragraph over the target into sentences', () => {
    const paragraph = Array.from(
      { length: 8 },
      (_, i) => `This is sentence number ${i} of the paragraph.`,
    ).join(' ');
    const units = measureUnits(`Intro.\n\n${paragraph}`, limits);
    expect(units).toHaveLength(9);
    expect(units[1]).toMatchObject({
      text: 'This is sentence number 0 of the paragraph.',
      separator: '\n\n',
    });
    expect(units[2]).toMatchObject({ text: 'This is sentence number 1 of the paragraph.', separator: ' ' });
  });

  it('keeps a code block between the target and the maximum whole', () => {
    const code = ['```', ...Array.from({ length: 6 }, (_, i) => `call(${i}, "x")`), '```'].join('\n');
    const tokens = countTokens(code);
    expect(tokens).toBeGreaterThan(limits.target);
    expect(tokens).toBeLessThanOrEqual(limits.max);
    expect(measureUnits(code, limits)).toEqual([{ text: code, tokens, separator: '', code: true }]);
  });

  it('returns no units for blank text', () => {
    expect(measureUnits('\n  \n', limits)).toEqual([]);
  });
});
