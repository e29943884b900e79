// The one text normaliser every guard reads through (input checks, PII detection, the passage
// flagger): compatibility forms folded (NFKC: full-width and styled letters and digits read as
// plain ones), invisible characters removed (zero-width, bidi controls, variation selectors,
// Unicode tag characters U+E0000–E007F, which can carry a whole hidden message), and every Unicode
// decimal digit mapped to its ASCII digit. `foldText` gives the folded text; `foldWithOffsets`
// the same text with a map back to the original, for checks that redact what they found.

// Format and filler characters that render as nothing, so they can hide inside words.
// (Built from a string: the class holds combining characters on purpose, which the linter flags.)
const INVISIBLE = new RegExp(
  [
    '[\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180F\\u200B-\\u200F\\u202A-\\u202E',
    '\\u2060-\\u206F\\u3164\\uFE00-\\uFE0F\\uFEFF\\uFFA0\\u{1D173}-\\u{1D17A}\\u{E0000}-\\u{E007F}\\u{E0100}-\\u{E01EF}]',
  ].join(''),
  'gu',
);
const TAG_CHARACTERS = /[\u{E0000}-\u{E007F}]/gu;
const NON_ASCII_DIGIT = /(?![0-9])\p{Nd}/gu;
const DECIMAL_DIGIT = /^\p{Nd}$/u;
// What may fold: a character outside plain ASCII, or any character followed by combining marks
// (NFKC composes within such a run).
const FOLDING_SEGMENT = /[\t\n\r\u0020-\u007e]?\p{M}+|[^\t\n\r\u0020-\u007e]\p{M}*/gu;
// Text that folding leaves as it is (the common case: one test instead of a copy).
const NOT_PLAIN = /[^\t\n\r\u0020-\u007e]/;

const digitValues = new Map<number, string>();

/** The ASCII digit for a Unicode decimal digit (they come in runs of ten, zero first). */
function asciiDigit(digit: string): string {
  const code = digit.codePointAt(0)!;
  let value = digitValues.get(code);
  if (value === undefined) {
    let zero = code;
    while (zero > code - 9 && DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
    // Runs longer than ten (mathematical digits) are folded by NFKC before this is reached.
    value = String((code - zero) % 10);
    digitValues.set(code, value);
  }
  return value;
}

function foldSegment(segment: string): string {
  const visible = segment.replace(INVISIBLE, '');
  return visible ? visible.normalize('NFKC').replace(NON_ASCII_DIGIT, asciiDigit) : '';
}

/** `text` as the guards read it. */
export function foldText(text: string): string {
  if (!NOT_PLAIN.test(text)) return text;
  return foldSegment(text);
}

/** Folded text, and where each of its spans came from in the original. */
export interface FoldedText {
  text: string;
  /** The span of the original text that `text.slice(start, end)` was folded from. */
  original(start: number, end: number): { start: number; end: number };
}

/** `foldText(text)` with a map back to `text` (folded a character at a time, with its marks). */
export function foldWithOffsets(text: string): FoldedText {
  // Most text (ASCII, or accented letters already composed) folds to itself: no map is needed.
  if (!NOT_PLAIN.test(text) || foldText(text) === text)
    return { text, original: (start, end) => ({ start, end }) };
  // For each unit of the folded text: where its source character begins and ends.
  const starts: number[] = [];
  const ends: number[] = [];
  let folded = '';
  let copied = 0;
  // Plain characters between the segments that fold are copied as they are.
  const copyPlain = (until: number) => {
    folded += text.slice(copied, until);
    for (let at = copied; at < until; at++) {
      starts.push(at);
      ends.push(at + 1);
    }
  };
  for (const match of text.matchAll(FOLDING_SEGMENT)) {
    copyPlain(match.index);
    const segment = match[0];
    const out = foldSegment(segment);
    folded += out;
    for (let i = 0; i < out.length; i++) {
      starts.push(match.index);
      ends.push(match.index + segment.length);
    }
    copied = match.index + segment.length;
  }
  copyPlain(text.length);
  return {
    text: folded,
    original: (start, end) => ({
      start: starts[start] ?? text.length,
      end: end > start ? (ends[end - 1] ?? text.length) : (starts[start] ?? text.length),
    }),
  };
}

/**
 * `text` without Unicode tag characters: they are invisible to a reader and to every check, yet
 * a model reads them, so nothing passes them on to a model or into storage.
 */
export function stripTagCharacters(text: string): string {
  return NOT_PLAIN.test(text) ? text.replace(TAG_CHARACTERS, '') : text;
}
