// The retrieval seam: every retriever answers the same search call with scored, cited chunks.

/** A chunk found for a query, with what a citation needs. */
export interface RetrievedChunk {
  chunkId: number;
  documentId: string;
  title: string;
  source: string | null;
  headingPath: string;
  text: string;
  /** Tokens in `text` (counted at ingestion), for context budgeting. */
  tokenCount: number;
  /** The final score used for ranking (RRF after fusion; the retriever's own score otherwise). */
  score: number;
  /** Set when ingestion found instructions aimed at a model in this chunk (indirect injection). */
  flagged?: boolean;
  /** Each retriever's own rank (1-based) and score for this chunk, for the trace. */
  signals: Record<string, { rank: number; score: number }>;
}

export interface SearchOptions {
  tenantId: string;
  /** Restrict to these knowledge bases; all of the tenant's when omitted. */
  knowledgeBaseIds?: string[];
  topK: number;
  signal?: AbortSignal;
}

/** What a search found, and how it found it (for the trace). */
export interface SearchResult {
  chunks: RetrievedChunk[];
  /** Retrievers that failed: the search degraded to the others. */
  failures: { retriever: string; message: string }[];
  /** From a cache in front of retrieval: whether this search was answered from it. */
  cache?: 'hit' | 'miss';
  /** From the keyword retriever: whether its in-memory copy or the database answered. */
  keywordIndex?: 'memory' | 'database';
}

/** A search that found `chunks` with nothing to report. */
export const searchResult = (chunks: RetrievedChunk[]): SearchResult => ({ chunks, failures: [] });

export interface Retriever {
  /** A short name recorded in traces, e.g. 'bm25'. */
  readonly name: string;
  search(query: string, options: SearchOptions): Promise<SearchResult>;
  /** The tenant's documents changed: anything this retriever holds of them no longer holds. */
  invalidate?(tenantId: string): void;
  /**
   * A number that grows whenever what this retriever answers from changes for the tenant (its
   * documents, as far as this process knows); undefined when it cannot tell. Caches of what was
   * found, or answered from it, key on it.
   */
  generation?(tenantId: string): number | undefined;
}

/** Whether retrieval is hybrid, and why not when it is not. */
export interface VectorStatus {
  enabled: boolean;
  model?: string;
  dimensions?: number;
  note: string;
}
