// BM25 over an in-memory copy of each tenant's chunks (bm25-index.ts), so that a question's keyword
// search costs a fraction of a millisecond instead of a database round trip (on the embedded
// database, one session that every turn's reads and writes share). The database stays
// the source of truth and answers whenever the copy cannot:
// - a tenant's copy is loaded on its first search (and, at start-up, for the tenants already
//   holding chunks); until it is ready the database answers. The start-up load is what `ready()`
//   reports (to /readyz): a server takes no traffic until its copies are loaded, so a user never
//   sees the database's ranking in the first seconds and memory's afterwards;
// - a change to a tenant's chunks made through this process (ingestion, deletion) marks its copy
//   stale at once (`invalidate`): the database answers until the copy has caught up;
// - a change made elsewhere (a CLI ingest attached to the embedded database, another replica) bumps
//   the tenant's row in `search_generations` (a trigger, in the change's own transaction); this
//   process polls that small table (a background loop, BackgroundTasks) and catches up, so such a
//   change shows within ~pollMs;
// - at most `maxChunks` chunks are held, over all tenants: a tenant that does not fit is searched
//   in the database (memory stays bounded; docs/benchmarks.md gives the figure per chunk).
// Catching up reads only the chunks added since the last sync and forgets the removed ones.
// Each tenant has an index of its own, so a tenant's term statistics (IDF) are its own too.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { BackgroundLoops, LoopHandle } from '../../jobs/index.js';
import type { Database } from '../../storage/index.js';
import { Bm25Index } from './bm25-index.js';
import { CHUNK_COLUMNS, type ChunkRow } from './chunk-rows.js';
import { keywordTerms } from './keyword-analyzer.js';
import {
  type RetrievedChunk,
  type Retriever,
  type SearchOptions,
  type SearchResult,
  searchResult,
} from './types.js';

export interface MemoryKeywordOptions {
  /** Most chunks held in memory over all tenants (0: none, the database answers every search). */
  maxChunks: number;
  /** How often to look for changes made by other processes (ms). */
  pollMs?: number;
  bm25: { k1: number; b: number };
  /** A tenant's copy failed to load or catch up (the database answers meanwhile). */
  onError?: (error: unknown, tenantId: string | undefined) => void;
}

interface HeldChunk {
  kbId: string;
  chunk: Omit<RetrievedChunk, 'score' | 'signals'>;
}

interface TenantCopy {
  index: Bm25Index;
  chunks: Map<number, HeldChunk>;
  /** The tenant's search generation this copy reflects (0: none recorded yet). */
  generation: number;
  /** false while a change is known that the copy lacks: the database answers. */
  fresh: boolean;
  /** true when the tenant has more chunks than the budget leaves: the database answers. */
  tooLarge: boolean;
  syncing: Promise<void> | undefined;
  /** A change arrived while syncing: sync again when done. */
  again: boolean;
}

/** Where a keyword search was answered, for the trace. */
export type KeywordIndex = 'memory' | 'database';

const SYNC_BATCH = 2_000;
/** Longest stretch of indexing between two yields to the event loop while a copy loads (ms). */
const INDEX_SLICE_MS = 4;

export class MemoryKeywordRetriever implements Retriever {
  readonly name: string;
  private readonly tenants = new Map<string, TenantCopy>();
  private readonly pollMs: number;
  private poller: LoopHandle | undefined;
  /** Whether the tenants already holding chunks were found (the first poll does it). */
  private foundTenants = false;
  private stopped = false;
  /** Settles once the tenants holding chunks at start-up are loaded (or were tried and failed). */
  private startupLoad: Promise<void> | undefined;
  private startupLoaded: (() => void) | undefined;
  private loadedAtStart = false;

  constructor(
    private readonly db: Database,
    /** Answers when the copy cannot (the database's own keyword search). */
    private readonly fallback: Retriever,
    private readonly options: MemoryKeywordOptions,
  ) {
    this.name = fallback.name;
    this.pollMs = options.pollMs ?? 250;
  }

  /**
   * Starts the poll loop: its first run loads the tenants that already hold chunks, later ones
   * look for changes made by other processes.
   */
  start(loops: BackgroundLoops): void {
    if (this.options.maxChunks <= 0 || this.poller) return;
    this.startupLoad = new Promise<void>((resolve) => {
      this.startupLoaded = resolve;
    }).then(() => {
      this.loadedAtStart = true;
    });
    this.poller = loops.loop('keyword-index-poll', () => this.poll(), {
      everyMs: this.pollMs,
      firstAfterMs: 0,
    });
  }

  /** Stops the poll loop and waits for the copies being loaded or caught up. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.startupLoaded?.();
    await this.poller?.stop();
    await Promise.all([...this.tenants.values()].map((copy) => copy.syncing));
  }

  async search(query: string, options: SearchOptions): Promise<SearchResult> {
    const copy = this.tenants.get(options.tenantId);
    if (!copy?.fresh || copy.tooLarge) {
      if (!copy) this.load(options.tenantId);
      return { ...(await this.fallback.search(query, options)), keywordIndex: 'database' };
    }
    return { ...searchResult(this.searchCopy(copy, query, options)), keywordIndex: 'memory' };
  }

  /** The tenant's chunks changed through this process: the database answers until the copy caught up. */
  invalidate(tenantId: string): void {
    const copy = this.tenants.get(tenantId);
    if (!copy) return;
    copy.fresh = false;
    this.sync(tenantId, copy);
  }

  /**
   * The search generation the tenant's copy reflects (the database's counter, bumped by every
   * change to its chunks, whoever makes it; a change elsewhere shows within a poll); undefined
   * when the tenant has no copy here. A tenant too large to copy is still followed: its
   * generation moves with the database's, so the caches keyed on it (retrieval, answers) let go
   * of its entries within a poll too.
   */
  generation(tenantId: string): number | undefined {
    const copy = this.tenants.get(tenantId);
    return copy && copy.generation >= 0 ? copy.generation : undefined;
  }

  /** Loads or catches up the tenant's copy and waits for it; false when the database answers its searches. */
  async warm(tenantId: string): Promise<boolean> {
    this.load(tenantId);
    const copy = this.tenants.get(tenantId);
    if (!copy) return false;
    if (!copy.fresh) this.sync(tenantId, copy);
    while (copy.syncing) await copy.syncing;
    return copy.fresh && !copy.tooLarge;
  }

  /**
   * Whether the copies of the tenants that held chunks at start-up are loaded (a copy that failed
   * to load counts once tried: the database answers for it, as it will until it catches up). True
   * when no copy is kept or the poll loop was never started (a one-off command).
   */
  ready(): boolean {
    return this.startupLoad === undefined || this.loadedAtStart;
  }

  /** Settles when `ready()` turns true. */
  async whenReady(): Promise<void> {
    await this.startupLoad;
  }

  /** What is held, for /readyz. */
  status(): {
    tenants: number;
    chunks: number;
    max_chunks: number;
    fresh_tenants: number;
    loaded: boolean;
  } {
    let chunks = 0;
    let fresh = 0;
    for (const copy of this.tenants.values()) {
      chunks += copy.chunks.size;
      if (copy.fresh && !copy.tooLarge) fresh += 1;
    }
    return {
      tenants: this.tenants.size,
      chunks,
      max_chunks: this.options.maxChunks,
      fresh_tenants: fresh,
      loaded: this.ready(),
    };
  }

  private searchCopy(copy: TenantCopy, query: string, options: SearchOptions): RetrievedChunk[] {
    const kbs = options.knowledgeBaseIds ? new Set(options.knowledgeBaseIds) : undefined;
    const best = copy.index.search(
      keywordTerms(query),
      options.topK,
      kbs ? (id) => kbs.has(copy.chunks.get(id)?.kbId ?? '') : undefined,
    );
    const chunks: RetrievedChunk[] = [];
    for (const { id, score } of best) {
      const held = copy.chunks.get(id);
      if (!held) continue;
      chunks.push({ ...held.chunk, score, signals: { [this.name]: { rank: chunks.length + 1, score } } });
    }
    return chunks;
  }

  private load(tenantId: string): void {
    if (this.stopped || this.options.maxChunks <= 0 || this.tenants.has(tenantId)) return;
    const copy: TenantCopy = {
      index: new Bm25Index(this.options.bm25),
      chunks: new Map(),
      generation: -1,
      fresh: false,
      tooLarge: false,
      syncing: undefined,
      again: false,
    };
    this.tenants.set(tenantId, copy);
    this.sync(tenantId, copy);
  }

  /** Brings the copy up to date (once at a time; again if a change arrives meanwhile). */
  private sync(tenantId: string, copy: TenantCopy): void {
    if (copy.syncing) {
      copy.again = true;
      return;
    }
    copy.syncing = (async () => {
      do {
        copy.again = false;
        try {
          await this.catchUp(tenantId, copy);
        } catch (error) {
          copy.fresh = false;
          this.options.onError?.(error, tenantId);
          return;
        }
      } while (copy.again && !this.stopped);
    })().finally(() => {
      copy.syncing = undefined;
    });
  }

  private async catchUp(tenantId: string, copy: TenantCopy): Promise<void> {
    // The generation first: a change committed after this read bumps it again, so the next poll
    // sees it; the copy never claims a generation newer than the rows it read.
    const [row] = await this.db.query<{ generation: number }>(
      'select generation from search_generations where tenant_id = $1',
      [tenantId],
    );
    const generation = row?.generation ?? 0;
    const heldElsewhere = this.heldChunks() - copy.chunks.size;
    const room = this.options.maxChunks - heldElsewhere;
    if (copy.tooLarge) {
      // Counted, not listed, while it stays too large: only its generation is followed.
      const [count] = await this.db.query<{ n: number }>(
        'select count(*)::int as n from chunks where tenant_id = $1',
        [tenantId],
      );
      if ((count?.n ?? 0) > room) {
        copy.generation = generation;
        return;
      }
    }
    const ids = await this.db.query<{ id: number }>('select id from chunks where tenant_id = $1', [tenantId]);
    const current = new Set(ids.map((r) => r.id));
    if (current.size > room) {
      this.forget(copy);
      copy.tooLarge = true;
      copy.generation = generation;
      copy.fresh = true;
      return;
    }
    copy.tooLarge = false;
    for (const id of copy.chunks.keys()) {
      if (current.has(id)) continue;
      copy.index.remove(id);
      copy.chunks.delete(id);
    }
    const added = [...current].filter((id) => !copy.chunks.has(id));
    for (let start = 0; start < added.length; start += SYNC_BATCH) {
      const batch = added.slice(start, start + SYNC_BATCH);
      const rows = await this.db.query<ChunkRow & { kb_id: string; search_text: string }>(
        `select ${CHUNK_COLUMNS}, c.kb_id, c.search_text, 0 as score
         from chunks c join documents d on d.id = c.document_id
         where c.tenant_id = $1 and c.id = any($2::bigint[])`,
        [tenantId, batch],
      );
      let sliceStart = performance.now();
      for (const r of rows) {
        // In slices, yielding between them: loading never holds the event loop for long.
        if (performance.now() - sliceStart > INDEX_SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
        copy.index.add(r.id, keywordTerms(r.search_text));
        copy.chunks.set(r.id, {
          kbId: r.kb_id,
          chunk: {
            chunkId: r.id,
            documentId: r.document_id,
            title: r.title,
            source: r.source,
            headingPath: r.heading_path,
            text: r.text,
            tokenCount: r.token_count,
            ...(r.flagged ? { flagged: true } : {}),
          },
        });
      }
    }
    copy.generation = generation;
    copy.fresh = true;
  }

  private forget(copy: TenantCopy): void {
    copy.index = new Bm25Index(this.options.bm25);
    copy.chunks.clear();
  }

  private heldChunks(): number {
    let total = 0;
    for (const copy of this.tenants.values()) total += copy.chunks.size;
    return total;
  }

  /**
   * One run of the poll loop: the first loads the tenants that already hold chunks (in the
   * background); each later one catches up the copies whose tenant changed in another process.
   */
  async poll(): Promise<void> {
    if (this.stopped) return;
    if (!this.foundTenants) {
      const rows = await this.db.query<{ tenant_id: string }>(
        'select tenant_id from search_generations order by tenant_id',
      );
      this.foundTenants = true;
      for (const row of rows) this.load(row.tenant_id);
      const loading = rows.map((row) => this.tenants.get(row.tenant_id)?.syncing);
      // A failed load settles too (sync reports it through onError): ready, the database answering.
      void Promise.all(loading).then(() => this.startupLoaded?.());
      return;
    }
    if (this.tenants.size === 0) return;
    const rows = await this.db.query<{ tenant_id: string; generation: number }>(
      'select tenant_id, generation from search_generations where tenant_id = any($1::text[])',
      [[...this.tenants.keys()]],
    );
    const generations = new Map(rows.map((r) => [r.tenant_id, r.generation]));
    for (const [tenantId, copy] of this.tenants) {
      if ((generations.get(tenantId) ?? 0) === copy.generation || copy.syncing) continue;
      copy.fresh = false;
      this.sync(tenantId, copy);
    }
  }
}
