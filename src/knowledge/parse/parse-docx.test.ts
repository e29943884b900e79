import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../errors/index.js';
import { parseDocument } from './parse-document.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url)));

describe('parseDocument: DOCX', () => {
  it('keeps headings as heading paths and uses the Title paragraph as the title', async () => {
    const doc = await parseDocument({ bytes: fixture('guide.docx'), format: 'docx', filename: 'guide.docx' });
    expect(doc).toEqual({
      title: 'Deployment Guide',
      format: 'docx',
      sections: [
        { headingPath: ['Deployment Guide'], text: 'This guide explains how to deploy Parley.' },
        { headingPath: ['Install'], text: 'Download the release archive & unpack it.' },
        { headingPath: ['Install', 'Linux'], text: 'Run the install script as root.' },
        { headingPath: ['Configure'], text: 'Edit parley.toml to set the port.' },
      ],
    });
  });

  it('falls back to the title in the document properties', async () => {
    const doc = await parseDocument({ bytes: fixture('memo.docx'), format: 'docx', filename: 'memo.docx' });
    expect(doc.title).toBe('Team Memo');
    expect(doc.sections).toEqual([
      {
        headingPath: [],
        text: 'The office is closed on Friday.\n\nPlease submit your timesheets by Thursday.',
      },
    ]);
  });

  it.each([
    ['random bytes', Uint8Array.from({ length: 512 }, (_, i) => (i * 31 + 7) % 256)],
    ['a truncated file', fixture('guide.docx').subarray(0, 600)],
    ['a text file', new TextEncoder().encode('hello, I am not a docx')],
  ])('rejects %s as an unreadable document', async (_name, bytes) => {
    const error = await parseDocument({ bytes, format: 'docx', filename: 'broken.docx' }).catch(
      (e: unknown) => e,
    );
    expect(isParleyError(error) && error.code).toBe('PARLEY_ERR_UNREADABLE_DOCUMENT');
    expect(error instanceof Error && error.message).toMatch(/"broken\.docx": it is not a valid DOCX file/);
  });
});
