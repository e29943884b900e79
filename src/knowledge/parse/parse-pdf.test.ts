import { describe, expect, it } from 'vitest';
import { isParleyError } from '../../errors/index.js';
import { parseDocument } from './parse-document.js';

/** Writes a minimal valid PDF: one Helvetica text line per entry, one page per array. */
function buildPdf(pages: string[][], title?: string): Uint8Array {
  const objects: string[] = ['', '', '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'];
  const add = (object: string) => objects.push(object);
  const kids: number[] = [];
  for (const lines of pages) {
    const pdfString = (line: string) => line.replace(/[\\()]/g, (c) => `\\${c}`);
    const ops = lines
      .map((line, i) => `BT /F1 12 Tf 72 ${720 - i * 16} Td (${pdfString(line)}) Tj ET`)
      .join('\n');
    const content = add(`<< /Length ${ops.length} >>\nstream\n${ops}\nendstream`);
    kids.push(
      add(
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${content} 0 R >>`,
      ),
    );
  }
  objects[0] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[1] = `<< /Type /Pages /Kids [${kids.map((kid) => `${kid} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  const info = title === undefined ? undefined : add(`<< /Title (${title}) >>`);
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((object, i) => {
    const offset = pdf.length;
    pdf += `${i + 1} 0 obj\n${object}\nendobj\n`;
    return offset;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${info === undefined ? '' : ` /Info ${info} 0 R`} >>\n`;
  pdf += `startxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(pdf);
}

async function rejection(bytes: Uint8Array): Promise<string> {
  const error = await parseDocument({ bytes, format: 'pdf', filename: 'bad.pdf' }).catch((e: unknown) => e);
  if (isParleyError(error) && error.code === 'PARLEY_ERR_UNREADABLE_DOCUMENT') return error.message;
  throw new Error(`expected PARLEY_ERR_UNREADABLE_DOCUMENT, got ${String(error)}`);
}

describe('parseDocument: PDF', () => {
  it('makes one section per page with text, headed by the page number', async () => {
    const bytes = buildPdf([['Hello world.', 'Second line here.'], [], ['Page three (text).']]);
    const doc = await parseDocument({ bytes, format: 'pdf', filename: 'scan.pdf' });
    expect(doc.sections).toEqual([
      { headingPath: ['Page 1'], text: 'Hello world.\nSecond line here.' },
      { headingPath: ['Page 3'], text: 'Page three (text).' },
    ]);
  });

  it('takes the title from the PDF metadata, else the filename', async () => {
    const titled = await parseDocument({
      bytes: buildPdf([['Body.']], 'Annual Report'),
      format: 'pdf',
      filename: 'r.pdf',
    });
    expect(titled.title).toBe('Annual Report');
    const untitled = await parseDocument({
      bytes: buildPdf([['Body.']]),
      format: 'pdf',
      filename: 'report-2024.pdf',
    });
    expect(untitled.title).toBe('report-2024');
  });

  it('leaves the caller’s bytes intact', async () => {
    const bytes = buildPdf([['Body.']]);
    const length = bytes.length;
    await parseDocument({ bytes, format: 'pdf' });
    expect(bytes.length).toBe(length);
  });

  it('rejects a corrupt PDF', async () => {
    const message = await rejection(new TextEncoder().encode('%PDF-1.4\n1 0 obj << /Type /Catalog garbage'));
    expect(message).toMatch(/"bad\.pdf": it is not a valid PDF/);
  });

  it('rejects a binary blob that is not a PDF', async () => {
    const blob = Uint8Array.from({ length: 1024 }, (_, i) => (i * 131 + 17) % 256);
    expect(await rejection(blob)).toMatch(/not a valid PDF/);
  });

  it('rejects a PDF with no extractable text', async () => {
    expect(await rejection(buildPdf([[], []]))).toMatch(/no extractable text/);
  });
});
