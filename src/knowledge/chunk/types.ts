// The chunker's output and its size settings.

/** A retrievable piece of a document, sized for embedding and for a prompt's context. */
export interface Chunk {
  /** Position in the document's chunk list, 0..n-1. */
  ordinal: number;
  /** The heading path of the section(s) the text comes from, e.g. ['Routes', 'Options']. */
  headingPath: string[];
  text: string;
  /** Exact token count of `text` (o200k encoding). */
  tokenCount: number;
}

export interface ChunkOptions {
  /** Size chunks aim for. Default 384. */
  targetTokens?: number;
  /** Hard upper bound on a chunk's size. Default 512. */
  maxTokens?: number;
  /** Text repeated from the end of one chunk at the start of the next within a section. Default 48. */
  overlapTokens?: number;
  /** Sections smaller than this are merged with their neighbours where sensible. Default 64. */
  minTokens?: number;
}

/** ChunkOptions with defaults applied and values made consistent. */
export interface ChunkLimits {
  target: number;
  max: number;
  overlap: number;
  min: number;
}

/**
 * One atomic piece of a section: a paragraph, code block, sentence, line or token window, whose
 * tokens are counted once. `separator` goes before it when it follows another unit in a chunk.
 */
export interface Unit {
  text: string;
  tokens: number;
  separator: string;
  code: boolean;
}
