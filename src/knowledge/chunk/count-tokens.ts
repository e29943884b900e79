// Counts tokens with a real BPE tokenizer (o200k, the GPT-4o/GPT-5 encoding) so chunk sizes match
// what models and embedders actually see.

import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

// Documents may contain strings such as `<|endoftext|>`; they are plain text here, not special tokens.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * Runs of non-space characters longer than this are counted piece by piece: BPE merges within
 * one pre-token in quadratic time (an 80,000-letter word took 10 s), while a word of real text
 * is far shorter. The count of such a run is off by at most a token per piece.
 */
const MAX_RUN = 256;
const LONG_RUN = new RegExp(`\\S{${MAX_RUN + 1},}`, 'g');
const HAS_LONG_RUN = new RegExp(`\\S{${MAX_RUN + 1}}`);

export function countTokens(text: string): number {
  if (text === '') return 0;
  if (!HAS_LONG_RUN.test(text)) return countO200k(text, PLAIN_TEXT);
  let total = 0;
  let at = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    if (match.index > at) total += countO200k(text.slice(at, match.index), PLAIN_TEXT);
    for (let piece = 0; piece < match[0].length; piece += MAX_RUN) {
      total += countO200k(match[0].slice(piece, piece + MAX_RUN), PLAIN_TEXT);
    }
    at = match.index + match[0].length;
  }
  if (at < text.length) total += countO200k(text.slice(at), PLAIN_TEXT);
  return total;
}
