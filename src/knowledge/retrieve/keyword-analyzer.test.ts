import { describe, expect, it } from 'vitest';
import { fieldBoost, keywordTerms, openingText } from './keyword-analyzer.js';

describe('keywordTerms', () => {
  it('keeps paths and dotted names whole, a hyphenated word whole and by its parts, and stems words', () => {
    expect(keywordTerms('Call reply.code() from /posts/new; a plugin-based setup is logging')).toEqual([
      'call',
      'reply.code',
      '/posts/new',
      'plugin-bas',
      'plugin',
      'base',
      'setup',
      'log',
    ]);
  });

  it('reads letters and digits of any script as it reads ASCII ones', () => {
    expect(keywordTerms('Über-cool café/naïve.txt 東京 ٣')).toEqual([
      'über-cool',
      'über',
      'cool',
      'café/naïve.txt',
      '東京',
      '٣',
    ]);
  });

  it('treats any other character outside ASCII as a space, whatever the rest of the text holds', () => {
    for (const separator of ['—', '“', '…', '\u00a0', '\u200b', '🙂']) {
      for (const rest of ['', ' über']) {
        const text = `timeouts${separator}retries plugin-based${separator}setup${rest}`;
        expect(keywordTerms(text)).toEqual(keywordTerms(text.replaceAll(separator, ' ')));
      }
    }
  });
});

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
    expect(fieldBoost(fields, { heading: 1, openingTerms: 15, opening: 2, maxLinkDensity: 1 })).toBe(
      'Show what revision\nShow what revision',
    );
    expect(fieldBoost(fields, { heading: 3, openingTerms: 15, opening: 0, maxLinkDensity: 1 })).toBe(
      'git-blame(1)\nOPTIONS\ngit-blame(1)\nOPTIONS',
    );
    expect(
      fieldBoost(
        { ...fields, pageOpening: '' },
        { heading: 1, openingTerms: 15, opening: 2, maxLinkDensity: 1 },
      ),
    ).toBe('');
  });
});
