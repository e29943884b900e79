import { describe, expect, it } from 'vitest';
import { splitBlocks } from './split-blocks.js';

describe('splitBlocks', () => {
  it('splits paragraphs at blank lines', () => {
    expect(splitBlocks('one\nstill one\n\n\ntwo\n  \nthree')).toEqual([
      { text: 'one\nstill one', code: false },
      { text: 'two', code: false },
      { text: 'three', code: false },
    ]);
  });

  it('keeps a fenced code block whole across its blank lines', () => {
    expect(splitBlocks('Example:\n```js\nconst a = 1;\n\n// two\nconst b = 2;\n```\nAfter.')).toEqual([
      { text: 'Example:', code: false },
      { text: '```js\nconst a = 1;\n\n// two\nconst b = 2;\n```', code: true },
      { text: 'After.', code: false },
    ]);
  });

  it('closes a fence only with the same character and at least its length', () => {
    expect(splitBlocks('~~~~\n```\n\n~~~\n~~~~\ntext')).toEqual([
      { text: '~~~~\n```\n\n~~~\n~~~~', code: true },
      { text: 'text', code: false },
    ]);
  });

  it('runs an unclosed fence to the end of the text', () => {
    expect(splitBlocks('a\n\n```\ncode\n\nmore code')).toEqual([
      { text: 'a', code: false },
      { text: '```\ncode\n\nmore code', code: true },
    ]);
  });

  it('does not treat inline triple backticks as a fence', () => {
    expect(splitBlocks('```inline``` text\n\nnext')).toEqual([
      { text: '```inline``` text', code: false },
      { text: 'next', code: false },
    ]);
  });
});
