// Text normalisation shared by the rules and the classifier: the guards' fold (fold-text.ts:
// NFKC, invisible and tag characters dropped, digits made ASCII), then lower case, runs of
// whitespace collapsed and spaced-out letters joined.
import { foldText } from '../fold-text.js';

export function normalizeText(text: string): string {
  return joinSpacedLetters(foldText(text).toLowerCase().replace(/\s+/g, ' ').trim());
}

// "s a y t h a t" (letters spaced out to dodge word filters) reads as "saythat".
const SPACED_LETTERS = /(?<![\p{L}\p{N}])(?:[\p{L}\p{N}] ){5,}[\p{L}\p{N}](?![\p{L}\p{N}])/gu;

// Any such run contains this, and testing for it first is far cheaper on long texts.
const SPACED_HINT = / [\p{L}\p{N}] [\p{L}\p{N}] [\p{L}\p{N}] /u;

function joinSpacedLetters(text: string): string {
  if (!SPACED_HINT.test(text)) return text;
  return text.replace(SPACED_LETTERS, (run) => run.replace(/ /g, ''));
}

/**
 * The first `head` and last `tail` characters of a text, joined by a space (the whole text when it
 * is short enough): what a check with a fixed budget per message reads.
 */
export function headAndTail(text: string, head: number, tail: number): string {
  return text.length > head + tail ? `${text.slice(0, head)} ${text.slice(-tail)}` : text;
}
