// The shape every parser produces: a title and the document's text as blocks under heading paths.
// The chunker reads only this, so a new format needs nothing beyond a parser that fills it.

/** The document formats Parley can read. */
export type DocumentFormat = 'markdown' | 'text' | 'html' | 'pdf' | 'docx';

/** One block of text under a heading path, e.g. ['Routes', 'Options']. */
export interface Section {
  /** Headings from the outermost to the innermost; empty for text before any heading. */
  headingPath: string[];
  /** The block's body as markdown-ish plain text (code blocks kept), without its heading line. */
  text: string;
}

/** A document reduced to a title and its sections in reading order. */
export interface ParsedDocument {
  title: string;
  format: DocumentFormat;
  sections: Section[];
}
