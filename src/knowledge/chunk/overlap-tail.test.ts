import { describe, expect, it } from 'vitest';
import { countTokens } from './count-tokens.js';
import { overlapTail } from './overlap-tail.js';
import type { Unit } from './types.js';

const prose = (text: string, separator = '\n\n'): Unit => ({
  text,
  tokens: countTokens(text),
  separator,
  code: false,
});

describe('overlapTail', () => {
  it('takes whole trailing units that fit the budget', () => {
    const units = [
      prose('A long first paragraph that will not be repeated at all.'),
      prose('Short.'),
      prose('End.'),
    ];
    expect(overlapTail(units, 6).map((unit) => unit.text)).toEqual(['Short.', 'End.']);
  });

  it('takes the last whole sentences of a paragraph too big to repeat', () => {
    const paragraph = prose('First sentence is here. Second sentence is here. Third sentence is here.');
    const tail = overlapTail([paragraph], 12);
    expect(tail.map((unit) => unit.text)).toEqual(['Second sentence is here.', 'Third sentence is here.']);
    expect(tail[1]?.separator).toBe(' ');
  });

  it('falls back to the last tokens of a sentence longer than the budget, starting at a word', () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
    const [tail] = overlapTail([prose(words)], 16);
    expect(words.endsWith(tail?.text ?? 'missing')).toBe(true);
    expect(countTokens(tail?.text ?? '')).toBeLessThanOrEqual(16);
    expect(tail?.text).toMatch(/^word\d+ /);
  });

  it('repeats a code block only whole', () => {
    const code: Unit = { text: '```\nconst a = 1;\n```', tokens: 40, separator: '\n\n', code: true };
    expect(overlapTail([prose('Intro.'), code], 20)).toEqual([]);
    expect(overlapTail([prose('Intro.'), code], 48).map((unit) => unit.code)).toEqual([false, true]);
  });

  it('returns nothing for a zero budget', () => {
    expect(overlapTail([prose('Anything.')], 0)).toEqual([]);
  });
});
