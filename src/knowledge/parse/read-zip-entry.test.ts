import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readZipEntry } from './read-zip-entry.js';

const guide = new Uint8Array(readFileSync(new URL('../../../test/fixtures/guide.docx', import.meta.url)));

describe('readZipEntry', () => {
  it('inflates a named entry', () => {
    const core = readZipEntry(guide, 'docProps/core.xml');
    expect(new TextDecoder().decode(core)).toContain('<dc:title>Guide (metadata title)</dc:title>');
  });

  it('returns undefined for a missing entry', () => {
    expect(readZipEntry(guide, 'docProps/app.xml')).toBeUndefined();
  });

  it('returns undefined for data that is not a ZIP archive', () => {
    expect(
      readZipEntry(new TextEncoder().encode('not a zip file at all, just some text'), 'a'),
    ).toBeUndefined();
    expect(readZipEntry(new Uint8Array(), 'a')).toBeUndefined();
  });

  it('returns undefined for a truncated archive', () => {
    expect(readZipEntry(guide.subarray(0, guide.length - 30), 'docProps/core.xml')).toBeUndefined();
  });
});
