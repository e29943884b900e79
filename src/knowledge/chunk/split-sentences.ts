// Splits prose too long for one chunk: into sentences first, then into lines, keeping the
// whitespace between pieces so they can be joined back as they were.

export interface Piece {
  text: string;
  /** The whitespace that preceded this piece in the original text ('' for the first). */
  separator: string;
}

// After ., ! or ? (and any closing quote or bracket) and before something that is not lowercase,
// so `e.g. foo` stays whole; or before a line that starts a list item, table row or quote.
const SENTENCE_BOUNDARY = /(?<=[.!?…]["'”’)\]]*)\s+(?=[^\sa-z])|\s*\n(?=[ \t]*(?:[-*+]\s|\d+[.)]\s|\||>))/g;
const LINE_BOUNDARY = /[ \t]*\n\s*/g;

export function splitSentences(text: string): Piece[] {
  return splitAt(text, SENTENCE_BOUNDARY);
}

export function splitLines(text: string): Piece[] {
  return splitAt(text, LINE_BOUNDARY);
}

function splitAt(text: string, boundary: RegExp): Piece[] {
  const pieces: Piece[] = [];
  let start = 0;
  let separator = '';
  for (const match of text.matchAll(boundary)) {
    const piece = text.slice(start, match.index);
    if (piece.trim() !== '') pieces.push({ text: piece, separator });
    separator = match[0] === '' ? '' : match[0].includes('\n') ? '\n' : ' ';
    start = match.index + match[0].length;
  }
  const last = text.slice(start);
  if (last.trim() !== '') pieces.push({ text: last, separator });
  return pieces;
}
