// Readings of a message that an encoding hides from the checks: base64 spans decoded, the text
// in rot13 and the text reversed. An attacker writes "aWdub3JlIGFsbCBwcmV2aW91cyBpbnN0cnVjdGlvbnM="
// or ".snoitcurtsni suoiverp lla erongi" and asks the model to decode it; a model does, a pattern
// does not. The checks run their rules over these readings too (rules only: they need an
// unmistakable instruction, so a decoded file name or a reversed word list does not trip them).
import { foldText } from './fold-text.js';

// Bounded: only the first `MAX_CHARS` characters are read, and at most `MAX_SPANS` base64 spans.

/** One hidden reading of a text, and the encoding it was read through. */
export interface HiddenReading {
  encoding: 'base64' | 'rot13' | 'reversed';
  text: string;
}

// A base64 run long enough to hold an instruction (16 characters decode to 12 bytes).
// (The look-behind starts a try only where a run begins, not inside every word.)
const BASE64_SPAN = /(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{16,}={0,2}/g;
const MAX_SPANS = 8;
const MAX_CHARS = 4000;
// Decoded bytes read as text: printable characters, at least one space between words.
const PRINTABLE_TEXT = /^[\p{L}\p{N}\p{P}\p{S}\s]+$/u;
const HAS_WORDS = /\p{L}{2,}\s+\p{L}{2,}/u;
// Words an encoded override can hardly do without ("ignore", "disregard", "forget",
// "instruction", "system prompt", "you are", "pretend"), as they read in rot13 and backwards: a text
// is decoded only when one is there, so ordinary text costs one scan each.
const WORDS = ['ignore', 'disregard', 'forget', 'instruction', 'system prompt', 'you are', 'pretend'];
const ROT13_HINT = new RegExp(WORDS.map(rot13).join('|'), 'i');
const REVERSED_HINT = new RegExp(WORDS.map((word) => [...word].reverse().join('')).join('|'), 'i');

/** The readings of the first `MAX_CHARS` characters of `raw` that an encoding could hide. */
export function hiddenReadings(raw: string): HiddenReading[] {
  const readings: HiddenReading[] = [];
  const text = foldText(raw.length > MAX_CHARS ? raw.slice(0, MAX_CHARS) : raw);
  for (const span of base64Spans(text)) {
    const decoded = decodeBase64(span);
    if (decoded) readings.push({ encoding: 'base64', text: decoded });
  }
  if (ROT13_HINT.test(text)) readings.push({ encoding: 'rot13', text: rot13(text) });
  if (REVERSED_HINT.test(text)) readings.push({ encoding: 'reversed', text: [...text].reverse().join('') });
  return readings;
}

/** Runs of base64 characters (either alphabet) of at least 16, at most `MAX_SPANS` of them. */
export function base64Spans(text: string): string[] {
  const spans: string[] = [];
  for (const match of text.matchAll(BASE64_SPAN)) {
    if (spans.push(match[0]) >= MAX_SPANS) break;
  }
  return spans;
}

/** The text a base64 run (either alphabet) holds, when it decodes to words; else undefined. */
export function decodeBase64(span: string): string | undefined {
  // Mixed case or digits: a run of plain lower-case letters is a long word, not base64.
  if (!/[A-Z]/.test(span) || !/[a-z]/.test(span)) return undefined;
  const decoded = Buffer.from(span.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  return PRINTABLE_TEXT.test(decoded) && HAS_WORDS.test(decoded) ? decoded : undefined;
}

export function rot13(text: string): string {
  return text.replace(/[a-z]/gi, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}
