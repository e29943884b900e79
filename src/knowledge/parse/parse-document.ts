// Parses an uploaded document's bytes into a title and sections, whatever its format, and turns
// every failure into PARLEY_ERR_UNREADABLE_DOCUMENT naming the file and the reason.

import { isParleyError } from '../../errors/index.js';
import { decodeText } from './decode-text.js';
import { htmlDepth, MAX_HTML_DEPTH } from './html-depth.js';
import { parseDocx } from './parse-docx.js';
import { htmlTitle, htmlToMarkdown } from './parse-html.js';
import { parseMarkdown } from './parse-markdown.js';
import { parsePdf } from './parse-pdf.js';
import { parsePlainText } from './parse-text.js';
import type { DocumentFormat, ParsedDocument, Section } from './types.js';
import { unreadableDocument } from './unreadable-document.js';

export interface ParseInput {
  bytes: Uint8Array;
  format: DocumentFormat;
  filename?: string;
  /** Overrides any title found in the document. */
  title?: string;
}

/** Title candidates in order of preference, after the caller's own title. */
interface Extracted {
  sections: Section[];
  titles: (string | undefined)[];
}

/**
 * Parse bytes into sections. Title: the given title, else first H1, else PDF/docx metadata title or
 * filename without extension. Throws ParleyError PARLEY_ERR_UNREADABLE_DOCUMENT (with a message
 * naming the file and the reason) for corrupt/empty/binary-garbage input.
 */
export async function parseDocument(input: ParseInput): Promise<ParsedDocument> {
  const name = input.filename ?? `${input.format} document`;
  let extracted: Extracted;
  try {
    extracted = await extract(input.bytes, input.format, name);
  } catch (error) {
    if (isParleyError(error)) throw error;
    throw unreadableDocument(name, describeFailure(input.format, error), error);
  }
  if (extracted.sections.length === 0) {
    const reason =
      input.format === 'pdf' ? 'it has no extractable text (a scanned image?)' : 'it contains no text';
    throw unreadableDocument(name, reason);
  }
  const title = [input.title, ...extracted.titles, titleFromFilename(input.filename)]
    .map((candidate) => candidate?.trim())
    .find((candidate) => candidate !== undefined && candidate !== '');
  return { title: title ?? 'Untitled', format: input.format, sections: extracted.sections };
}

async function extract(bytes: Uint8Array, format: DocumentFormat, name: string): Promise<Extracted> {
  if (bytes.length === 0) throw unreadableDocument(name, 'the file is empty');
  switch (format) {
    case 'markdown': {
      const markdown = parseMarkdown(decodeText(bytes, name));
      return { sections: markdown.sections, titles: [markdown.frontMatterTitle, markdown.firstHeading] };
    }
    case 'text':
      return { sections: parsePlainText(decodeText(bytes, name)), titles: [] };
    case 'html': {
      const html = decodeText(bytes, name);
      if (htmlDepth(html) > MAX_HTML_DEPTH) {
        throw unreadableDocument(name, `its elements are nested more than ${MAX_HTML_DEPTH} deep`);
      }
      const markdown = parseMarkdown(htmlToMarkdown(html));
      return { sections: markdown.sections, titles: [htmlTitle(html), markdown.firstHeading] };
    }
    case 'pdf': {
      const pdf = await parsePdf(bytes);
      return { sections: pdf.sections, titles: [pdf.metadataTitle] };
    }
    case 'docx': {
      const docx = await parseDocx(bytes);
      const markdown = parseMarkdown(htmlToMarkdown(docx.html));
      return { sections: markdown.sections, titles: [markdown.firstHeading, docx.metadataTitle] };
    }
  }
}

function describeFailure(format: DocumentFormat, error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'PasswordException') return 'the PDF is password-protected';
  if (format === 'pdf') return `it is not a valid PDF (${detail})`;
  if (format === 'docx') return `it is not a valid DOCX file (${detail})`;
  return detail;
}

/** `guides/Getting-Started.md` -> `Getting-Started`. */
function titleFromFilename(filename: string | undefined): string | undefined {
  const base = filename?.split(/[/\\]/).pop();
  return base?.replace(/\.[^.]+$/, '');
}
