// Turns the bytes of a text-like upload (markdown, plain text, HTML) into a string, refusing
// binary data that was mislabelled as text rather than indexing garbage.

import { unreadableDocument } from './unreadable-document.js';

// Share of characters that may be control codes before the input counts as binary. Real text
// has almost none; random bytes have about one in ten.
const MAX_CONTROL_RATIO = 0.02;

/** Decodes UTF-8 (or UTF-16 with a BOM, or Windows-1252 as a fallback) and normalises line ends. */
export function decodeText(bytes: Uint8Array, name: string): string {
  if (bytes.length === 0) throw unreadableDocument(name, 'the file is empty');
  const text = decodeBytes(bytes, name);
  if (countControlCharacters(text) > text.length * MAX_CONTROL_RATIO) {
    throw unreadableDocument(name, 'it looks like binary data, not text (too many control characters)');
  }
  const normalised = text.replace(/\r\n?/g, '\n');
  if (normalised.trim() === '') throw unreadableDocument(name, 'it contains no text');
  return normalised;
}

function decodeBytes(bytes: Uint8Array, name: string): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  if (bytes.includes(0))
    throw unreadableDocument(name, 'it looks like binary data, not text (it contains NUL bytes)');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not valid UTF-8: legacy single-byte text decodes cleanly as Windows-1252, while binary data
    // still shows its control bytes there and is refused by the caller.
    return decodeWindows1252(bytes);
  }
}

// Node's TextDecoder treats 'windows-1252' as Latin-1, leaving 0x80-0x9F as control characters;
// these are the characters Windows-1252 puts there (the five unassigned bytes stay controls).
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  for (let start = 0; start < bytes.length; start += 8192) {
    const codes = Array.from(bytes.subarray(start, start + 8192), (byte) =>
      byte >= 0x80 && byte <= 0x9f ? WINDOWS_1252_HIGH.charCodeAt(byte - 0x80) : byte,
    );
    text += String.fromCharCode(...codes);
  }
  return text;
}

/** Control characters that real text does not contain (tab, newlines, form feed and escape are fine). */
function countControlCharacters(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const allowed =
      code === 0x09 || code === 0x0a || code === 0x0b || code === 0x0c || code === 0x0d || code === 0x1b;
    if ((code < 0x20 && !allowed) || (code >= 0x7f && code <= 0x9f)) count++;
  }
  return count;
}
