// The CPU-heavy half of ingestion, run inside a worker thread: hash, parse and chunk one upload.
import { createHash } from 'node:crypto';
import { flagInstructions, type InstructionFlag, stripTagCharacters } from '../../guard/index.js';
import { type Chunk, chunkDocument } from '../chunk/index.js';
import { type DocumentFormat, parseDocument } from '../parse/index.js';

export interface PrepareInput {
  bytes: Uint8Array;
  format: DocumentFormat;
  filename?: string;
  title?: string;
}

/** What is stored in a chunk's `metadata` column. */
export interface ChunkMetadata {
  /** Set when the chunk holds instructions aimed at a model (indirect prompt injection). */
  instructions?: InstructionFlag;
}

/** A chunk with the metadata computed at ingestion. */
export interface PreparedChunk extends Chunk {
  metadata: ChunkMetadata;
}

/** A parsed, chunked document ready to be stored. */
export interface PreparedDocument {
  title: string;
  format: DocumentFormat;
  contentHash: string;
  byteSize: number;
  chunks: PreparedChunk[];
}

export async function prepareDocument(input: PrepareInput): Promise<PreparedDocument> {
  const contentHash = createHash('sha256').update(input.bytes).digest('hex');
  const parsed = await parseDocument(input);
  return {
    title: stripTagCharacters(parsed.title),
    format: parsed.format,
    contentHash,
    byteSize: input.bytes.byteLength,
    chunks: chunkDocument(parsed).map(withMetadata),
  };
}

/**
 * Flags instructions hidden in a chunk (unflagged chunks keep empty metadata). Unicode tag
 * characters are dropped: invisible to readers and checks, a model would read them as text.
 */
function withMetadata(chunk: Chunk): PreparedChunk {
  const text = stripTagCharacters(chunk.text);
  // Flagged as written: a message spelled in tag characters is read before it is dropped.
  const flag = flagInstructions(chunk.text);
  return {
    ...chunk,
    text,
    headingPath: chunk.headingPath.map(stripTagCharacters),
    metadata: flag.flagged ? { instructions: flag } : {},
  };
}
