// What every retriever selects for a found chunk (`c` is chunks, `d` documents) and how a row
// becomes a RetrievedChunk, so that the retrievers differ only in how they rank.
import type { RetrievedChunk } from './types.js';

export const CHUNK_COLUMNS = `c.id, c.document_id, c.heading_path, c.text, c.token_count, d.title, d.source,
       c.metadata ? 'instructions' as flagged`;

/** A row of CHUNK_COLUMNS plus the retriever's own `score`. */
export interface ChunkRow {
  id: number;
  document_id: string;
  heading_path: string;
  text: string;
  token_count: number;
  title: string;
  source: string | null;
  flagged: boolean;
  score: number;
}

/** Rows in rank order → chunks, each with this retriever's rank and score as its signal. */
export function toRetrievedChunks(rows: ChunkRow[], retriever: string): RetrievedChunk[] {
  return rows.map((row, index) => ({
    chunkId: row.id,
    documentId: row.document_id,
    title: row.title,
    source: row.source,
    headingPath: row.heading_path,
    text: row.text,
    tokenCount: row.token_count,
    score: row.score,
    ...(row.flagged ? { flagged: true } : {}),
    signals: { [retriever]: { rank: index + 1, score: row.score } },
  }));
}
