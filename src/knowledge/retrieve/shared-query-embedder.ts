// One embedding per query text, shared by whoever asks for it within a short while: the vector
// retriever and the semantic answer cache both need the user's message embedded, and asking the
// provider twice would put a second call on the turn's critical path. The first caller starts the
// request; the others await the same promise (in flight) or its result (recent). A failed request
// is forgotten at once, so the next caller tries again.
import { LRUCache } from 'lru-cache';
import { orAbort } from './or-abort.js';
import type { QueryEmbedder } from './vector-retriever.js';

export interface SharedQueryEmbedderOptions {
  /** How long a query's vector is reused (default 60 s). */
  ttlMs?: number;
  /** Most query vectors kept (default 1 000). */
  maxEntries?: number;
}

export class SharedQueryEmbedder implements QueryEmbedder {
  private readonly vectors: LRUCache<string, Promise<number[]>>;

  constructor(
    private readonly inner: QueryEmbedder,
    options: SharedQueryEmbedderOptions = {},
  ) {
    this.vectors = new LRUCache({
      max: options.maxEntries ?? 1_000,
      ttl: options.ttlMs ?? 60_000,
      ttlAutopurge: false,
    });
  }

  /**
   * One vector per text. A caller's signal stops its own wait, never the shared request (which
   * other callers may be waiting on; the inner embedder's own deadline bounds it).
   */
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]> {
    return Promise.all(texts.map((text) => orAbort(this.vectorOf(text), options?.signal)));
  }

  private vectorOf(text: string): Promise<number[]> {
    const known = this.vectors.get(text);
    if (known) return known;
    const vector = this.inner.embed([text]).then(([found]) => {
      if (!found) throw new Error('the embedding model returned no vector');
      return found;
    });
    this.vectors.set(text, vector);
    vector.catch(() => {
      if (this.vectors.peek(text) === vector) this.vectors.delete(text);
    });
    return vector;
  }
}
