// Converts a DOCX to HTML with mammoth, keeping its headings, so it can take the HTML path; also
// reads the title from the document's properties.

import mammoth from 'mammoth';
import { decodeEntities } from './decode-entities.js';
import { elementText } from './element-text.js';
import { readZipEntry } from './read-zip-entry.js';

export interface DocxContent {
  html: string;
  /** `dc:title` from `docProps/core.xml`, if set. */
  metadataTitle: string | undefined;
}

// Word's Title and Subtitle styles are headings to a reader; mammoth's default map ignores them.
const STYLE_MAP = ["p[style-name='Title'] => h1:fresh", "p[style-name='Subtitle'] => h2:fresh"];

export async function parseDocx(bytes: Uint8Array): Promise<DocxContent> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { value } = await mammoth.convertToHtml(
    { buffer },
    // Images carry no text and would otherwise be inlined as base64.
    { styleMap: STYLE_MAP, convertImage: mammoth.images.imgElement(async () => ({ src: '' })) },
  );
  return { html: value, metadataTitle: docxTitle(bytes) };
}

function docxTitle(bytes: Uint8Array): string | undefined {
  const core = readZipEntry(bytes, 'docProps/core.xml');
  if (core === undefined) return undefined;
  const raw = elementText(new TextDecoder().decode(core), 'dc:title');
  const title = raw === undefined ? '' : decodeEntities(raw).replace(/\s+/g, ' ').trim();
  return title === '' ? undefined : title;
}
