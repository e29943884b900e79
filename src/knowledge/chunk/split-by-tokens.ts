// The last resort for text with no sentence or line breaks (minified code, base64, long URLs):
// cut it into pieces of at most a token limit, at whitespace where possible, losing nothing.

import { countTokens } from './count-tokens.js';

// A first guess of characters per token; each cut is corrected by counting.
const CHARS_PER_TOKEN = 4;

/** Pieces of at most `limit` tokens that join ('') back into `text`. */
export function splitByTokens(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let span = limit * CHARS_PER_TOKEN;
    let end = cutPoint(text, start, start + span);
    let tokens = countTokens(text.slice(start, end));
    while (tokens > limit && end - start > 1) {
      span = Math.max(1, Math.floor((end - start) * (limit / tokens) * 0.9));
      end = cutPoint(text, start, start + span);
      tokens = countTokens(text.slice(start, end));
    }
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/** The end of `text` holding at most `limit` tokens, starting at a word where possible. */
export function tailByTokens(text: string, limit: number): string {
  if (limit <= 0) return '';
  let span = limit * CHARS_PER_TOKEN;
  for (;;) {
    let start = Math.max(0, text.length - span);
    const space = text.slice(start, start + Math.ceil(span / 5)).search(/\s/);
    if (start > 0 && space >= 0) start += space + 1;
    else if (isLowSurrogate(text.charCodeAt(start))) start++;
    const tail = text.slice(start);
    const tokens = countTokens(tail);
    if (tokens <= limit || tail.length <= 1) return tokens <= limit ? tail : '';
    span = Math.max(1, Math.floor(tail.length * (limit / tokens) * 0.9));
  }
}

// Prefer to cut after whitespace in the last fifth of the span, and never inside a surrogate pair.
function cutPoint(text: string, start: number, end: number): number {
  if (end >= text.length) return text.length;
  const from = start + Math.floor(((end - start) * 4) / 5);
  const window = text.slice(from, end);
  const lastSpace = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\n'), window.lastIndexOf('\t'));
  if (lastSpace >= 0 && from + lastSpace + 1 > start) return from + lastSpace + 1;
  return isLowSurrogate(text.charCodeAt(end)) && end - 1 > start ? end - 1 : end;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
