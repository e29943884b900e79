// Detects the search extensions a database offers and builds the indexes that need them.
// pg_textsearch gives BM25; without it keyword search falls back to PostgreSQL's built-in
// full-text search (the GIN index on chunks.search_tsv, scored in parley_fulltext_search), and
// /readyz says so.
import type pg from 'pg';

/** A pool, or the one connection that holds the migration lock (see withMigrationLock). */
type Queries = pg.Pool | pg.PoolClient;

/** What the connected database can do, reported by /readyz. */
export interface SearchFeatures {
  /** BM25 keyword ranking through pg_textsearch. */
  bm25: boolean;
  /** pgvector is installed (vector search possible once embeddings are configured). */
  vector: boolean;
  /** Human-readable notes on missing extensions and the fallback in use. */
  notes: string[];
}

export interface Bm25Parameters {
  k1: number;
  b: number;
}

async function tryCreateExtension(pool: Queries, name: string): Promise<string | undefined> {
  try {
    await pool.query(`create extension if not exists ${name}`);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Installs the search extensions when available and (re)builds the BM25 index if its parameters changed. */
export async function ensureSearchFeatures(pool: Queries, bm25: Bm25Parameters): Promise<SearchFeatures> {
  const available = await pool.query<{ name: string }>(
    `select name from pg_available_extensions where name in ('vector', 'pg_textsearch')`,
  );
  const names = new Set(available.rows.map((row) => row.name));
  const notes: string[] = [];
  const features: SearchFeatures = { bm25: false, vector: false, notes };

  if (names.has('pg_textsearch')) {
    const failure = await tryCreateExtension(pool, 'pg_textsearch');
    if (failure) notes.push(`pg_textsearch is available but could not be enabled (${failure})`);
    else {
      await ensureBm25Index(pool, bm25);
      await pool.query(BM25_SEARCH_FUNCTION);
      features.bm25 = true;
    }
  } else {
    await pool.query(FULLTEXT_SEARCH_FUNCTION);
    notes.push(
      'pg_textsearch is not installed on this PostgreSQL server: keyword search uses built-in full-text search ' +
        '(IDF-weighted matching, ts_rank_cd) instead of BM25. Install https://github.com/timescale/pg_textsearch for BM25.',
    );
  }
  if (names.has('vector')) {
    const failure = await tryCreateExtension(pool, 'vector');
    if (failure) notes.push(`pgvector is available but could not be enabled (${failure})`);
    else features.vector = true;
  } else {
    notes.push('pgvector is not installed on this PostgreSQL server: vector search is unavailable.');
  }
  return features;
}

/**
 * BM25 search as one function, so a search is one round trip. The planner cannot estimate the
 * BM25 index scan well and may prefer scoring every chunk of the tenant (a sequential or
 * tenant-index scan, orders of magnitude slower); the function runs with sequential scans
 * off, and `tenant_id || ''` hides the tenant index. The index scan yields chunks best-first and
 * keeps going while the tenant filter discards rows, so scoping stays exact.
 */
const BM25_SEARCH_FUNCTION = `
create or replace function parley_bm25_search(query text, tenant text, kbs text[], k integer)
returns table (id bigint, score double precision)
language sql stable
set enable_seqscan = off
as $fn$
  select c.id, -(c.search_text <@> to_bm25query(query, 'chunks_bm25'))
  from chunks c
  where c.tenant_id || '' = tenant and (kbs is null or c.kb_id = any(kbs))
  order by c.search_text <@> to_bm25query(query, 'chunks_bm25')
  limit k
$fn$`;

/**
 * Keyword search without pg_textsearch, as one function (one round trip), bounded in work at
 * any corpus size. Scoring every chunk that holds any query word (OR semantics) with ts_rank_cd
 * read each match's tsvector from TOAST (seconds at 100k chunks), and ts_rank_cd has no notion
 * of how rare a word is (far worse rankings than BM25: docs/benchmarks.md). Instead:
 * 1. the query's lexemes are looked up in the column's statistics (ANALYZE's most common
 *    lexemes and their shares; a lexeme not among them is rarer than the least common one,
 *    estimated at half its share) and, rarest first, kept until ~1,000 estimated rows are
 *    reached (the rarest always, with every lexeme estimated alike): the common ones only cost
 *    work and say little;
 * 2. each kept lexeme's chunks come from the GIN index (no tsvector is read; each is one heap
 *    row visit, the cost that dominates) and are weighted by BM25's IDF, counted from these very
 *    rows within the tenant, so a chunk scores the sum of the IDFs of the rare query words it
 *    holds; at most 1,500 chunks of a lexeme are read (only a query of common words reaches
 *    that: its candidates are arbitrary among thousands of equals either way), and such a
 *    lexeme's count is then the statistics' estimate (over all tenants);
 * 3. the best max(4k, 64) of those are re-ranked by that weight times (1 + ts_rank_cd) over all
 *    the query's lexemes, which brings back how often and how close together the words occur.
 * A chunk holding only common query words is no candidate; that is where the answer lies least.
 * Without statistics (a table never analyzed) every lexeme is kept: exact, as on small tables.
 */
/** Chunks of one query word a full-text search reads at most (each is a heap row visit). */
const WORD_READ_CAP = 1500;

const FULLTEXT_SEARCH_FUNCTION = `
create or replace function parley_fulltext_search(query text, tenant text, kbs text[], k integer)
returns table (id bigint, score real)
language sql stable
as $fn$
  with stats as (
    select case when c.reltuples > 0 then c.reltuples else (select count(*) from chunks) end as total,
           s.most_common_elems::text::text[] as elems, s.most_common_elem_freqs as freqs
    from pg_class c
    left join pg_stats s on s.schemaname = current_schema() and s.tablename = 'chunks' and s.attname = 'search_tsv'
    where c.oid = 'chunks'::regclass
  ),
  lexemes as (
    -- a tsvector's statistics: the lexemes' shares, then the least and the greatest of them
    select l.lexeme, coalesce(st.freqs[array_position(st.elems, l.lexeme)],
                              st.freqs[array_length(st.elems, 1) + 1] / 2, 0) * st.total as rows
    from stats st, unnest(tsvector_to_array(to_tsvector('english', query))) as l(lexeme)
  ),
  selective as (
    -- lexemes estimated alike (all those rarer than the statistics show) go in or out together
    select r.lexeme
    from (select lexeme, rows, sum(rows) over (order by rows) - rows as before,
                 min(rows) over () as rarest
          from lexemes) r
    where r.before < 1000 or r.rows = r.rarest
  ),
  hits as (
    select h.id, s.lexeme
    from selective s
    cross join lateral (
      select c.id from chunks c
      where c.search_tsv @@ quote_literal(s.lexeme)::tsquery
        and c.tenant_id = tenant and (kbs is null or c.kb_id = any(kbs))
      limit ${WORD_READ_CAP}
    ) h
  ),
  candidates as (
    select h.id, sum(ln(1 + (greatest(st.total, d.n) - d.n + 0.5) / (d.n + 0.5))) as weight
    from hits h
    join (select h.lexeme, case when count(*) < ${WORD_READ_CAP} then count(*) else greatest(count(*), min(l.rows)) end as n
          from hits h join lexemes l using (lexeme) group by h.lexeme) d using (lexeme)
    cross join stats st
    group by h.id
    order by weight desc, h.id
    limit greatest(4 * k, 64)
  ),
  q as (select string_agg(quote_literal(lexeme), ' | ')::tsquery as everything from lexemes)
  select c.id, (cd.weight * (1 + ts_rank_cd(c.search_tsv, q.everything, 1)))::real
  from candidates cd
  join chunks c on c.id = cd.id
  cross join q
  order by 2 desc, c.id
  limit k
$fn$`;

/** What a process that does not manage the schema can use: installed extensions and built indexes. */
export async function detectSearchFeatures(pool: pg.Pool): Promise<SearchFeatures> {
  const rows = await pool.query<{ bm25: boolean; vector: boolean }>(
    `select to_regclass('chunks_bm25') is not null
              and exists(select 1 from pg_proc where proname = 'parley_bm25_search') as bm25,
            exists(select 1 from pg_extension where extname = 'vector') as vector`,
  );
  const row = rows.rows[0] ?? { bm25: false, vector: false };
  const notes = row.bm25
    ? []
    : ['no BM25 index: keyword search uses built-in full-text search (IDF-weighted matching, ts_rank_cd)'];
  return { bm25: row.bm25, vector: row.vector, notes };
}

/**
 * An index built at start-up (BM25 after its parameters changed, HNSW over a backlog of vectors)
 * may take far longer than the pool's per-query timeout (tens of minutes over a million chunks).
 * Start-up waits for it instead of failing.
 */
const INDEX_BUILD_TIMEOUT_MS = 6 * 3600_000;

/** A statement under INDEX_BUILD_TIMEOUT_MS (node-pg reads a query's own `query_timeout` before the pool's; @types/pg lacks it). */
export function indexBuild(text: string): pg.QueryConfig {
  return { text, query_timeout: INDEX_BUILD_TIMEOUT_MS } as pg.QueryConfig;
}

async function ensureBm25Index(pool: Queries, { k1, b }: Bm25Parameters): Promise<void> {
  const current = await pool.query<{ reloptions: string[] | null }>(
    `select c.reloptions from pg_class c
       where c.relname = 'chunks_bm25' and c.relnamespace = to_regnamespace(current_schema())::oid`,
  );
  const wanted = [`text_config=english`, `k1=${k1}`, `b=${b}`];
  const row = current.rows[0];
  if (row) {
    const have = row.reloptions ?? [];
    if (wanted.every((option) => have.includes(option))) return;
    await pool.query('drop index chunks_bm25');
  }
  await pool.query(
    indexBuild(
      `create index if not exists chunks_bm25 on chunks using bm25(search_text) with (text_config='english', k1=${Number(k1)}, b=${Number(b)})`,
    ),
  );
}

/**
 * Creates the embeddings table for vectors of `dimensions` with its HNSW index. A table built
 * for other dimensions or another model is dropped (its vectors are useless to the new model);
 * the embedding backfill then re-embeds every chunk.
 */
export async function ensureVectorTable(
  pool: Queries,
  dimensions: number,
  model: string,
  manage = true,
): Promise<boolean> {
  const dims = Math.trunc(dimensions);
  if (!(dims > 0 && dims <= 16000)) throw new Error(`unsupported embedding dimensions ${dimensions}`);
  const existing = await pool.query<{ typmod: number }>(
    `select a.atttypmod as typmod from pg_attribute a
       where a.attrelid = to_regclass('chunk_embeddings') and a.attname = 'embedding'`,
  );
  const row = existing.rows[0];
  // A process that does not manage the schema only uses a table that already fits.
  if (!manage) return row?.typmod === dims;
  if (row && row.typmod !== dims) await pool.query('drop table chunk_embeddings');
  await pool.query(
    `create table if not exists chunk_embeddings (
       chunk_id bigint primary key references chunks(id) on delete cascade,
       tenant_id text not null,
       model text not null,
       embedding vector(${dims}) not null
     )`,
  );
  // Walled like every table holding tenant data (migration 9); retrieval reads it as the owner.
  await pool.query('alter table chunk_embeddings enable row level security');
  await pool.query(
    `do $do$ begin
       if not exists (select from pg_policies
                       where schemaname = current_schema() and tablename = 'chunk_embeddings') then
         create policy tenant_isolation on chunk_embeddings
           using (tenant_id = current_setting('parley.tenant_id', true))
           with check (tenant_id = current_setting('parley.tenant_id', true));
       end if;
       if exists (select from pg_roles where rolname = 'parley_tenant') then
         grant select, insert, update, delete on chunk_embeddings to parley_tenant;
       end if;
     end $do$`,
  );
  await pool.query('delete from chunk_embeddings where model <> $1', [model]);
  await pool.query(
    indexBuild(
      'create index if not exists chunk_embeddings_hnsw on chunk_embeddings using hnsw (embedding vector_cosine_ops)',
    ),
  );
  return true;
}
