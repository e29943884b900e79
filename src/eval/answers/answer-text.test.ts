import { describe, expect, it } from 'vitest';
import { EXTRACTIVE_LABEL } from '../../orchestrator/index.js';
import { answerSentences, answerWords, containsAnswer, normalizeAnswer, tokenF1 } from './answer-text.js';

describe('normalizeAnswer', () => {
  it('lower-cases and drops punctuation and articles, as SQuAD does', () => {
    expect(normalizeAnswer('The  Normans, of France!')).toBe('normans of france');
    expect(normalizeAnswer('an apple a day')).toBe('apple day');
  });
});

describe('containsAnswer', () => {
  it('finds a gold answer as whole words, whatever its case and punctuation', () => {
    expect(
      containsAnswer('They lived in the 10th and 11th centuries [1].', ['10th and 11th centuries']),
    ).toBe(true);
    expect(containsAnswer('Denmark, Iceland and Norway.', ['Denmark, Iceland and Norway'])).toBe(true);
  });

  it('does not take part of a word for the answer', () => {
    expect(containsAnswer('The Frankish land [1].', ['Frank'])).toBe(false);
  });

  it('does not read a citation marker as a number of the answer', () => {
    expect(containsAnswer('It was in the year [1].', ['1'])).toBe(false);
  });

  it('is false with no gold answer', () => {
    expect(containsAnswer('Anything.', [])).toBe(false);
  });
});

describe('tokenF1', () => {
  it('is 1 for the exact answer and 0 for a disjoint one', () => {
    expect(tokenF1('Rollo [1].', ['Rollo'])).toBe(1);
    expect(tokenF1('Mars [1].', ['Rollo'])).toBe(0);
  });

  it('weighs precision and recall, against the best gold answer', () => {
    // "normandy is in france": 4 tokens, 1 shared with "France": P 1/4, R 1 -> F1 0.4.
    expect(tokenF1('Normandy is in France.', ['Paris', 'France'])).toBeCloseTo(0.4, 10);
  });

  it('counts a repeated token only as often as the gold answer has it', () => {
    // "france france": P 1/2, R 1 -> 2/3.
    expect(tokenF1('France France', ['France'])).toBeCloseTo(2 / 3, 10);
  });
});

describe('answerWords and answerSentences', () => {
  const extractive = `${EXTRACTIVE_LABEL}\n\n- Normandy is a region in France. [1]\n- It was named after the Normans [2].\n\n  \`\`\`sh\n  echo code\n  \`\`\``;

  it('sets aside the label, code blocks and citation markers', () => {
    const words = answerWords(extractive);
    expect(words).not.toContain('Extractive answer');
    expect(words).not.toContain('echo');
    expect(words).not.toMatch(/\[\d\]/);
  });

  it('reads each sentence with the passages it cites, a marker after the full stop included', () => {
    expect(answerSentences(extractive)).toEqual([
      { text: 'Normandy is a region in France.', citations: [1] },
      { text: 'It was named after the Normans.', citations: [2] },
    ]);
  });

  it('reads several markers and lists of numbers, and sentences without any', () => {
    expect(answerSentences('Rollo led them [1][3]. They swore fealty [2, 4]. Nothing else.')).toEqual([
      { text: 'Rollo led them.', citations: [1, 3] },
      { text: 'They swore fealty.', citations: [2, 4] },
      { text: 'Nothing else.', citations: [] },
    ]);
  });
});
