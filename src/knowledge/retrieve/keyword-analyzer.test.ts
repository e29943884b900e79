import { describe, expect, it } from 'vitest';
import { fieldBoost, keywordTerms, openingText } from './keyword-analyzer.js';

describe('openingText', () => {
  it('is the start of the text up to its n-th search term (stop words not counted)', () => {
    const text = 'git-blame - Show what revision and author last modified each line of a file. More here.';
    // git-blame counts whole and by its parts: 3 terms.
    expect(openingText(text, 3)).toBe('git-blame');
    expect(openingText(text, 5)).toBe('git-blame - Show what revision');
    expect(keywordTerms(openingText(text, 9))).toEqual(keywordTerms(text).slice(0, 9));
    expect(openingText(text, 100)).toBe(text);
    expect(openingText(text, 0)).toBe('');
  });

  it('reads the text as both analyzers do (contractions spelled out, snake_case hyphenated)', () => {
    expect(openingText("Isn't work_mem the sort memory?", 3)).toBe('Is not work-mem');
  });
});

describe('fieldBoost', () => {
  const fields = { title: 'git-blame(1)', headingPath: 'OPTIONS', pageOpening: 'Show what revision' };

  it('adds the page opening as many times as weighed, and the title and heading path beyond once', () => {
    expect(fieldBoost(fields, { heading: 1, openingTerms: 15, opening: 2 })).toBe(
      'Show what revision\nShow what revision',
    );
    expect(fieldBoost(fields, { heading: 3, openingTerms: 15, opening: 0 })).toBe(
      'git-blame(1)\nOPTIONS\ngit-blame(1)\nOPTIONS',
    );
    expect(fieldBoost({ ...fields, pageOpening: '' }, { heading: 1, openingTerms: 15, opening: 2 })).toBe('');
  });
});
