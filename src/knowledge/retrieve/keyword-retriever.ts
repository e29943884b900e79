// Keyword search: BM25 through pg_textsearch when the database has it, otherwise PostgreSQL's
// built-in full-text ranking (ts_rank_cd over an OR of the query's lexemes).
import type { Database } from '../../storage/index.js';
import { CHUNK_COLUMNS, type ChunkRow, toRetrievedChunks } from './chunk-rows.js';
import type { RetrievedChunk, Retriever, SearchOptions } from './types.js';

// BM25 ranking runs in the database function parley_bm25_search (storage/search-indexes.ts),
// scoped by tenant inside the index scan; this adds what a citation needs.
const BM25_SQL = `
select ${CHUNK_COLUMNS}, s.score
from parley_bm25_search($1, $2, $3::text[], $4) s
join chunks c on c.id = s.id
join documents d on d.id = c.document_id
where s.score > 0
order by s.score desc, c.id`;

const FULL_TEXT_SQL = `
with q as (
  select nullif(replace(plainto_tsquery('english', $1)::text, ' & ', ' | '), '')::tsquery as query
)
select ${CHUNK_COLUMNS},
       ts_rank_cd(c.search_tsv, q.query, 1) as score
from chunks c, q, documents d
where q.query is not null and c.search_tsv @@ q.query and d.id = c.document_id
  and c.tenant_id = $2 and ($3::text[] is null or c.kb_id = any($3))
order by score desc, c.id
limit $4`;

export class KeywordRetriever implements Retriever {
  readonly name: string;
  private readonly sql: string;

  constructor(private readonly db: Database) {
    this.name = db.features.bm25 ? 'bm25' : 'fulltext';
    this.sql = db.features.bm25 ? BM25_SQL : FULL_TEXT_SQL;
  }

  async search(query: string, options: SearchOptions): Promise<RetrievedChunk[]> {
    const text = query.trim();
    if (!text) return [];
    const params = [text, options.tenantId, options.knowledgeBaseIds ?? null, options.topK];
    const rows = await this.db.query<ChunkRow>(this.sql, params);
    return toRetrievedChunks(rows, this.name);
  }
}
