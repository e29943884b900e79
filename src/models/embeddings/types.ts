// The embedding seam: turns texts into vectors for the vector retriever and for ingestion.

export interface EmbedOptions {
  /** Cancels the requests in flight; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface Embedder {
  /** The configured reference, e.g. 'openai:text-embedding-3-small'. */
  readonly modelId: string;
  /** Vector length; throws until known from `probeDimensions()` or a first `embed()`. */
  readonly dimensions: number;
  /** One vector per text, in the texts' order. */
  embed(texts: string[], options?: EmbedOptions): Promise<number[][]>;
  /** Embeds a short string once (if not yet known) to learn the vector length, e.g. to size a column. */
  probeDimensions(): Promise<number>;
}

export interface EmbedderOptions {
  /** Inputs per provider request (default 96). */
  batchSize?: number;
  /** Deadline for each HTTP request; every retry gets a fresh one (default 30 000 ms). */
  timeoutMs?: number;
  /** Retries per request after a retryable failure, honouring Retry-After (default 2). */
  maxRetries?: number;
}
