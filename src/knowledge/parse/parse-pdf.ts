// Extracts a PDF's text with unpdf, one section per page (headed `Page N`), and its metadata title.

import { extractText, getDocumentProxy, getMeta } from 'unpdf';
import type { Section } from './types.js';

export interface PdfContent {
  sections: Section[];
  /** The Info dictionary's (or XMP) title, if set. */
  metadataTitle: string | undefined;
}

export async function parsePdf(bytes: Uint8Array): Promise<PdfContent> {
  // pdf.js takes ownership of (detaches) the buffer it is given; copy so the caller's bytes survive.
  const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  try {
    const { text } = await extractText(pdf, { mergePages: false });
    const sections: Section[] = [];
    text.forEach((page, index) => {
      const pageText = normalisePage(page);
      if (pageText !== '') sections.push({ headingPath: [`Page ${index + 1}`], text: pageText });
    });
    return { sections, metadataTitle: await pdfTitle(pdf) };
  } finally {
    await pdf.destroy();
  }
}

async function pdfTitle(pdf: Parameters<typeof getMeta>[0]): Promise<string | undefined> {
  const { info, metadata } = await getMeta(pdf);
  const fromInfo: unknown = (info as Record<string, unknown>).Title;
  // Without an XMP stream, unpdf returns `{}` as the metadata, whatever its types say.
  const fromXmp: unknown = (metadata as Partial<typeof metadata>).get?.('dc:title');
  for (const candidate of [fromInfo, fromXmp]) {
    if (typeof candidate === 'string' && candidate.trim() !== '')
      return candidate.replace(/\s+/g, ' ').trim();
  }
  return undefined;
}

function normalisePage(page: string): string {
  return page
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
