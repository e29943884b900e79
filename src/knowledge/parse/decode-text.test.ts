import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../errors/index.js';
import { decodeText } from './decode-text.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

function rejection(bytes: Uint8Array): string {
  try {
    decodeText(bytes, 'upload.md');
  } catch (error) {
    if (isParleyError(error) && error.code === 'PARLEY_ERR_UNREADABLE_DOCUMENT') return error.message;
    throw error;
  }
  throw new Error('expected the input to be rejected');
}

describe('decodeText', () => {
  it('decodes UTF-8, including non-Latin text', () => {
    expect(decodeText(utf8('Grüße, 世界 👋'), 'a.txt')).toBe('Grüße, 世界 👋');
  });

  it('strips a UTF-8 byte order mark', () => {
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('# Title')]), 'a.md')).toBe('# Title');
  });

  it('decodes UTF-16 when the file starts with its byte order mark', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x48, 0x00, 0x69, 0x00]);
    expect(decodeText(bytes, 'a.txt')).toBe('Hi');
  });

  it('normalises Windows and old Mac line ends to \\n', () => {
    expect(decodeText(utf8('one\r\ntwo\rthree'), 'a.txt')).toBe('one\ntwo\nthree');
  });

  it('falls back to Windows-1252 for legacy text that is not valid UTF-8', () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x6f, 0x6b]);
    expect(decodeText(latin1, 'a.txt')).toBe('café – ok');
  });

  it('rejects data containing NUL bytes as binary', () => {
    expect(rejection(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x14]))).toMatch(/upload\.md.*binary/);
  });

  it('rejects binary data without NUL bytes by its share of control characters', () => {
    const bytes = Uint8Array.from({ length: 400 }, (_, i) => 1 + ((i * 37) % 250));
    expect(rejection(bytes)).toMatch(/binary/);
  });

  it('rejects an empty file and a file of only whitespace', () => {
    expect(rejection(new Uint8Array())).toMatch(/empty/);
    expect(rejection(utf8(' \n\t\n'))).toMatch(/no text/);
  });
});
