// Embeds chunks that have no embedding yet, in batches, in a background loop (BackgroundTasks).
// Ingestion never waits for the embedding provider: a provider outage delays vector search for new
// chunks (keyword search still finds them) instead of failing uploads, and chunks ingested before
// embeddings were configured are embedded too.
import { isParleyError } from '../../errors/index.js';
import type { BackgroundLoops, LoopHandle } from '../../jobs/index.js';
import type { Database } from '../../storage/index.js';
import type { Logger } from '../../telemetry/index.js';

export interface BatchEmbedder {
  readonly modelId: string;
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
}

interface Row {
  id: number;
  search_text: string;
}

const BATCH = 128;
/** Chunks set aside at most (kept in memory; a restart tries them again). */
const MAX_REJECTED = 10_000;
/** With nothing to embed, the next look (a pass over every chunk id) waits this long or a poke. */
const IDLE_MS = 30_000;
/** After a failure (the provider away), the next try waits 1 s, doubling up to a minute. */
const BACKOFF = { firstMs: 1_000, maxMs: 60_000 };

export class EmbeddingBackfill {
  private stopping = false;
  private loop: LoopHandle | undefined;
  private readonly controller = new AbortController();
  private readonly rejected = new Set<number>();
  /** The last chunk id handled in the current pass (0: the next batch starts a pass). */
  private after = 0;

  constructor(
    private readonly db: Database,
    private readonly embedder: BatchEmbedder,
    private readonly log: Logger,
  ) {}

  /** Embeds in a background loop: a batch after another while chunks wait, then a look every 30 s. */
  start(loops: BackgroundLoops): void {
    this.loop ??= loops.loop('embedding-backfill', () => this.runOnce(), {
      everyMs: IDLE_MS,
      firstAfterMs: 0,
      backoff: BACKOFF,
    });
  }

  /** Asks the loop to look for new chunks now (after an ingestion stored some). */
  poke(): void {
    this.loop?.poke();
  }

  /** Stops the loop, cutting short the provider call under way. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.controller.abort();
    await this.loop?.stop();
  }

  /** One run of the loop: embeds a batch; true when more chunks may be waiting. */
  async runOnce(): Promise<boolean> {
    if (this.stopping) return false;
    try {
      return (await this.step()) > 0;
    } catch (error) {
      // The provider call aborted by `stop`: not a failure.
      if (this.stopping) return false;
      throw error;
    }
  }

  /** Chunks still waiting for an embedding. */
  async pending(): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `select count(*) as n from chunks c
        where not exists (select 1 from chunk_embeddings e where e.chunk_id = c.id) and c.id <> all($1::bigint[])`,
      [[...this.rejected]],
    );
    return rows[0]?.n ?? 0;
  }

  /** Embeds everything still missing, now (evaluation and tests; the server uses the loop). */
  async drain(): Promise<void> {
    while ((await this.step()) > 0) {
      // keep going until no chunk lacks an embedding
    }
  }

  /**
   * Embeds one batch; returns how many chunks it handled (embedded or set aside), 0 only when a
   * pass from the first chunk found none missing. Batches are taken in id order after the last
   * one (`after`), so a pass over n chunks reads each once: without the cursor every batch walked
   * the chunks from the first, already embedded ones included, which is quadratic in a backfill
   * of a large corpus. A pass that reaches the end is followed by one from the start, which finds
   * a chunk committed behind the cursor (a transaction that took lower ids and committed later).
   */
  async step(): Promise<number> {
    const rows = await this.db.query<Row>(
      `select c.id, c.search_text from chunks c
        where c.id > $3
          and not exists (select 1 from chunk_embeddings e where e.chunk_id = c.id)
          and c.id <> all($2::bigint[])
        order by c.id limit $1`,
      [BATCH, [...this.rejected], this.after],
    );
    if (rows.length === 0) {
      if (this.after === 0) return 0;
      this.after = 0;
      return this.step();
    }
    await this.embedRows(rows);
    this.after = rows[rows.length - 1]!.id;
    return rows.length;
  }

  /**
   * A batch the provider refuses for good (a 400: input too long, content filter) is split in
   * halves until the offending chunks are found; those are set aside (logged, and left to
   * keyword search) so that one bad chunk cannot stop embedding for every tenant.
   */
  private async embedRows(rows: Row[]): Promise<void> {
    let vectors: number[][];
    try {
      vectors = await this.embedder.embed(
        rows.map((row) => row.search_text),
        { signal: this.controller.signal },
      );
    } catch (error) {
      if (!isParleyError(error) || error.isRetryable || this.stopping) throw error;
      if (rows.length === 1) {
        if (this.rejected.size < MAX_REJECTED) this.rejected.add(rows[0]!.id);
        this.log.warn(
          { err: error, chunkId: rows[0]!.id },
          'the embedding provider refused a chunk; skipping it',
        );
        return;
      }
      const half = Math.ceil(rows.length / 2);
      await this.embedRows(rows.slice(0, half));
      await this.embedRows(rows.slice(half));
      return;
    }
    // A chunk deleted meanwhile is skipped by the join; a concurrent backfill by the conflict clause.
    await this.db.query(
      `insert into chunk_embeddings(chunk_id, tenant_id, model, embedding)
         select u.id, c.tenant_id, $1, u.embedding::vector
         from unnest($2::bigint[], $3::text[]) as u(id, embedding)
         join chunks c on c.id = u.id
       on conflict (chunk_id) do nothing`,
      [this.embedder.modelId, rows.map((row) => row.id), vectors.map((vector) => `[${vector.join(',')}]`)],
    );
  }
}
