// Maps an upload's filename or content type to a supported format, so unsupported files are
// refused before any parsing starts.

import type { DocumentFormat } from './types.js';

const BY_EXTENSION: Readonly<Record<string, DocumentFormat>> = {
  md: 'markdown',
  markdown: 'markdown',
  mdx: 'markdown',
  txt: 'text',
  text: 'text',
  html: 'html',
  htm: 'html',
  pdf: 'pdf',
  docx: 'docx',
};

const BY_CONTENT_TYPE: Readonly<Record<string, DocumentFormat>> = {
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/mdx': 'markdown',
  'text/plain': 'text',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
};

/**
 * From file extension (.md .markdown .mdx .txt .text .html .htm .pdf .docx) or content type;
 * undefined if unsupported. A known extension wins, since clients often send a generic type.
 */
export function detectFormat(filename?: string, contentType?: string): DocumentFormat | undefined {
  const extension = filename?.match(/\.([^./\\]+)$/)?.[1]?.toLowerCase();
  const byExtension = extension === undefined ? undefined : BY_EXTENSION[extension];
  if (byExtension !== undefined) return byExtension;
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  // A file named tool.exe sent as text/plain (multipart's default) is still not a text file.
  if (extension !== undefined && (mediaType === undefined || mediaType === 'text/plain')) return undefined;
  return mediaType === undefined ? undefined : BY_CONTENT_TYPE[mediaType];
}
