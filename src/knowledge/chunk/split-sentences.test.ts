import { describe, expect, it } from 'vitest';
import { splitLines, splitSentences } from './split-sentences.js';

describe('splitSentences', () => {
  it('splits after sentence punctuation and keeps the separators', () => {
    expect(splitSentences('One. Two!  Three?\nFour.')).toEqual([
      { text: 'One.', separator: '' },
      { text: 'Two!', separator: ' ' },
      { text: 'Three?', separator: ' ' },
      { text: 'Four.', separator: '\n' },
    ]);
  });

  it('does not split before a lowercase word, as after "e.g."', () => {
    expect(splitSentences('Use a hook, e.g. onRequest. Then reply.').map((s) => s.text)).toEqual([
      'Use a hook, e.g. onRequest.',
      'Then reply.',
    ]);
  });

  it('splits after closing quotes and brackets', () => {
    expect(splitSentences('He said "stop." Then (it ended.) Done.').map((s) => s.text)).toEqual([
      'He said "stop."',
      'Then (it ended.)',
      'Done.',
    ]);
  });

  it('splits before list items and table rows even without punctuation', () => {
    expect(splitSentences('Options:\n- first option\n- second option\n| a | b |').map((s) => s.text)).toEqual(
      ['Options:', '- first option', '- second option', '| a | b |'],
    );
  });

  it('does not split hard-wrapped lines in the middle of a sentence', () => {
    expect(splitSentences('A sentence that wraps\nonto the next line. Next.').map((s) => s.text)).toEqual([
      'A sentence that wraps\nonto the next line.',
      'Next.',
    ]);
  });
});

describe('splitLines', () => {
  it('splits at line breaks', () => {
    expect(splitLines('a\n  b\n\nc')).toEqual([
      { text: 'a', separator: '' },
      { text: 'b', separator: '\n' },
      { text: 'c', separator: '\n' },
    ]);
  });
});
