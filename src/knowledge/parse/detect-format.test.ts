import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect-format.js';

describe('detectFormat', () => {
  it.each([
    ['guide.md', 'markdown'],
    ['guide.markdown', 'markdown'],
    ['page.mdx', 'markdown'],
    ['notes.txt', 'text'],
    ['notes.text', 'text'],
    ['index.html', 'html'],
    ['index.htm', 'html'],
    ['manual.pdf', 'pdf'],
    ['report.docx', 'docx'],
  ] as const)('maps the extension of %s to %s', (filename, format) => {
    expect(detectFormat(filename)).toBe(format);
  });

  it('ignores the case of the extension and the directories in the name', () => {
    expect(detectFormat('docs/v1.2/README.MD')).toBe('markdown');
    expect(detectFormat('C:\\docs\\Report.PDF')).toBe('pdf');
  });

  it.each([
    ['text/markdown', 'markdown'],
    ['text/x-markdown', 'markdown'],
    ['text/plain; charset=utf-8', 'text'],
    ['TEXT/HTML; charset=ISO-8859-1', 'html'],
    ['application/xhtml+xml', 'html'],
    ['application/pdf', 'pdf'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
  ] as const)('maps the content type %s to %s', (contentType, format) => {
    expect(detectFormat(undefined, contentType)).toBe(format);
  });

  it('prefers a known extension over a generic content type', () => {
    expect(detectFormat('notes.md', 'text/plain')).toBe('markdown');
    expect(detectFormat('scan.pdf', 'application/octet-stream')).toBe('pdf');
  });

  it('falls back to the content type when the extension is unknown or missing', () => {
    expect(detectFormat('README', 'text/plain')).toBe('text');
    expect(detectFormat('upload.bin', 'application/pdf')).toBe('pdf');
  });

  it('returns undefined for unsupported or missing input', () => {
    expect(detectFormat()).toBeUndefined();
    expect(detectFormat('slides.pptx')).toBeUndefined();
    expect(detectFormat('archive.doc', 'application/msword')).toBeUndefined();
    expect(detectFormat('image.png', 'image/png')).toBeUndefined();
    expect(detectFormat('.md.bak')).toBeUndefined();
  });
});
