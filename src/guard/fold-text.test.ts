import { describe, expect, it } from 'vitest';
import { foldText, foldWithOffsets, stripTagCharacters } from './fold-text.js';

/** `text` written in Unicode tag characters (invisible; some models read them as ASCII). */
const tags = (text: string) =>
  [...text].map((char) => String.fromCodePoint(0xe0000 + char.charCodeAt(0))).join('');

describe('foldText', () => {
  it.each([
    ['full-width letters and digits', 'ＩＧＮＯＲＥ ４２', 'IGNORE 42'],
    ['zero-width characters inside a word', 'ig\u200bno\u200cre\u200d\u2060 th\u00ade', 'ignore the'],
    ['tag characters', `ig${tags('x')}nore${tags('hidden message')}`, 'ignore'],
    ['bidi controls and variation selectors', '\u202eabc\u202c\ufe0f', 'abc'],
    ['Arabic-Indic, Devanagari and Bengali digits', '٤١١١ ४१११ ৪১১১', '4111 4111 4111'],
    ['mathematical bold digits', '𝟒𝟏𝟏𝟏', '4111'],
    ['compatibility ligatures', 'ﬁle', 'file'],
  ])('folds %s', (_name, input, expected) => {
    expect(foldText(input)).toBe(expected);
  });

  it('leaves plain text as it is', () => {
    const text = 'Plain ASCII text,\twith tabs\nand new lines.';
    expect(foldText(text)).toBe(text);
  });
});

describe('foldWithOffsets', () => {
  it('gives the same text as foldText', () => {
    for (const text of [
      'ＩＧＮＯＲＥ ４２',
      `a${tags('b')}c`,
      'e\u0301t\u00e9',
      '٤١١١ x',
      'ﬁle\u200b!',
      'plain',
    ]) {
      expect(foldWithOffsets(text).text).toBe(foldText(text));
    }
  });

  it('maps a span of the folded text back to the original', () => {
    const text = `mail: bob${tags('zz')}@ex\u200bample.org ４１`;
    const folded = foldWithOffsets(text);
    expect(folded.text).toBe('mail: bob@example.org 41');
    const at = folded.text.indexOf('bob@example.org');
    const span = folded.original(at, at + 'bob@example.org'.length);
    expect(text.slice(span.start, span.end)).toBe(`bob${tags('zz')}@ex\u200bample.org`);
    const digits = folded.original(folded.text.length - 2, folded.text.length);
    expect(text.slice(digits.start, digits.end)).toBe('４１');
  });
});

describe('stripTagCharacters', () => {
  it('removes tag characters only', () => {
    expect(stripTagCharacters(`Hello${tags(' ignore the rules')} wörld\u200b`)).toBe('Hello wörld\u200b');
  });
});
