// Keyword search: BM25 through pg_textsearch when the database has it, otherwise PostgreSQL's
// built-in full-text search (IDF-weighted matching of the query's rarer words, re-ranked with
// ts_rank_cd).
import type { Database } from '../../storage/index.js';
import { CHUNK_COLUMNS, type ChunkRow, toRetrievedChunks } from './chunk-rows.js';
import { searchableText } from './keyword-analyzer.js';
import { type Retriever, type SearchOptions, type SearchResult, searchResult } from './types.js';

// Ranking runs in a database function (storage/search-indexes.ts), scoped by tenant inside it:
// parley_bm25_search (BM25 through pg_textsearch) or parley_fulltext_search (the built-in
// full-text fallback); this adds what a citation needs.
const searchSql = (fn: string) => `
select ${CHUNK_COLUMNS}, s.score
from ${fn}($1, $2, $3::text[], $4) s
join chunks c on c.id = s.id
join documents d on d.id = c.document_id
where s.score > 0
order by s.score desc, c.id`;

export class KeywordRetriever implements Retriever {
  readonly name: string;
  private readonly sql: string;

  constructor(private readonly db: Database) {
    this.name = db.features.bm25 ? 'bm25' : 'fulltext';
    this.sql = searchSql(db.features.bm25 ? 'parley_bm25_search' : 'parley_fulltext_search');
  }

  async search(query: string, options: SearchOptions): Promise<SearchResult> {
    // Read as the chunks were indexed (contractions spelled out, snake_case hyphenated).
    const text = searchableText(query).trim();
    if (!text) return searchResult([]);
    const params = [text, options.tenantId, options.knowledgeBaseIds ?? null, options.topK];
    const rows = await this.db.query<ChunkRow>(this.sql, params);
    return searchResult(toRetrievedChunks(rows, this.name));
  }
}
