// The CPU-heavy half of ingestion, run inside a worker thread: hash, parse and chunk one upload.
import { createHash } from 'node:crypto';
import { type Chunk, chunkDocument } from '../chunk/index.js';
import { type DocumentFormat, parseDocument } from '../parse/index.js';

export interface PrepareInput {
  bytes: Uint8Array;
  format: DocumentFormat;
  filename?: string;
  title?: string;
}

/** A parsed, chunked document ready to be stored. */
export interface PreparedDocument {
  title: string;
  format: DocumentFormat;
  contentHash: string;
  byteSize: number;
  chunks: Chunk[];
}

export async function prepareDocument(input: PrepareInput): Promise<PreparedDocument> {
  const contentHash = createHash('sha256').update(input.bytes).digest('hex');
  const parsed = await parseDocument(input);
  return {
    title: parsed.title,
    format: parsed.format,
    contentHash,
    byteSize: input.bytes.byteLength,
    chunks: chunkDocument(parsed),
  };
}
