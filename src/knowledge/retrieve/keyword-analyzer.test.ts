import { describe, expect, it } from 'vitest';
import { keywordTerms } from './keyword-analyzer.js';

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
