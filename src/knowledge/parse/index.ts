// Document parsing: bytes of a supported format in, a title and heading-pathed sections out.

export { detectFormat } from './detect-format.js';
export { linkDensity, withoutLinkBlocks } from './link-density.js';
export { type ParseInput, parseDocument } from './parse-document.js';
export type { DocumentFormat, ParsedDocument, Section } from './types.js';
