// A cache in front of retrieval: the same question to the same tenant's knowledge returns the same
// passages until that tenant's documents change, so a repeated question (a FAQ, a retry, a
// regenerate) skips the database on the user's critical path. Entries are keyed by tenant,
// knowledge bases, top-k and the normalised query; a change to a tenant's documents made through
// this process drops that tenant's entries at once (a generation counter in the key), one made
// elsewhere (another replica, a CLI ingest) once the keyword index's poll has seen it (the
// tenant's generation is in the key too, also for a tenant too large to copy, whose generation the
// index follows all the same). Degraded results (a retriever failed) are never cached.
import { LRUCache } from 'lru-cache';
import type { RetrievedChunk, Retriever, SearchOptions, SearchResult } from './types.js';

export interface RetrievalCacheOptions {
  /** Entry lifetime (0 turns the cache off). */
  ttlMs: number;
  /** Most entries kept (least recently used go first). */
  maxEntries?: number;
}

const normalise = (query: string) => query.trim().toLowerCase().replace(/\s+/g, ' ');

export class CachedRetriever implements Retriever {
  readonly name: string;
  private readonly cache: LRUCache<string, RetrievedChunk[]> | undefined;
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly inner: Retriever,
    options: RetrievalCacheOptions,
  ) {
    this.name = inner.name;
    this.cache =
      options.ttlMs > 0
        ? new LRUCache({ max: options.maxEntries ?? 2_000, ttl: options.ttlMs, ttlAutopurge: false })
        : undefined;
  }

  async search(query: string, options: SearchOptions): Promise<SearchResult> {
    if (!this.cache) return this.inner.search(query, options);
    const key = this.keyOf(query, options);
    const hit = this.cache.get(key);
    if (hit) return { chunks: hit, failures: [], cache: 'hit' };
    const found = await this.inner.search(query, options);
    // Shared by every later hit: frozen, so that no caller can change what others will read.
    if (found.failures.length === 0) this.cache.set(key, Object.freeze(found.chunks) as RetrievedChunk[]);
    return { ...found, cache: 'miss' };
  }

  /** The tenant's documents changed: its cached results no longer hold. */
  invalidate(tenantId: string): void {
    this.generations.set(tenantId, (this.generations.get(tenantId) ?? 0) + 1);
    this.inner.invalidate?.(tenantId);
  }

  /**
   * Changes made through this process plus what the retrievers know of changes made elsewhere
   * (each only grows, so their sum changes whenever either does).
   */
  generation(tenantId: string): number {
    return (this.generations.get(tenantId) ?? 0) + (this.inner.generation?.(tenantId) ?? 0);
  }

  private keyOf(query: string, options: SearchOptions): string {
    const generation = this.generation(options.tenantId);
    const kbs = options.knowledgeBaseIds ? [...options.knowledgeBaseIds].sort().join(',') : '*';
    return [options.tenantId, generation, kbs, options.topK, normalise(query)].join('\u0000');
  }
}
