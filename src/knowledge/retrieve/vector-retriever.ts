// Vector search: embeds the query and finds the nearest chunk embeddings (pgvector HNSW, cosine).
// The index scan keeps going while the tenant filter discards rows (iterative scan), so a
// tenant with few chunks in a large shared table still gets its full top-k.
import type { Database } from '../../storage/index.js';
import { CHUNK_COLUMNS, type ChunkRow, toRetrievedChunks } from './chunk-rows.js';
import { type Retriever, type SearchOptions, type SearchResult, searchResult } from './types.js';

/** The part of an embedding model that vector search needs. */
export interface QueryEmbedder {
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
}

const SQL = `
select ${CHUNK_COLUMNS}, 1 - s.distance as score
from (
  select chunk_id, embedding <=> $1::vector as distance
  from chunk_embeddings
  where tenant_id = $2
  order by embedding <=> $1::vector
  limit $4
) s
join chunks c on c.id = s.chunk_id
join documents d on d.id = c.document_id
where ($3::text[] is null or c.kb_id = any($3))
order by s.distance, c.id`;

export class VectorRetriever implements Retriever {
  readonly name = 'vector';

  constructor(
    private readonly db: Database,
    private readonly embedder: QueryEmbedder,
  ) {}

  async search(query: string, options: SearchOptions): Promise<SearchResult> {
    const text = query.trim();
    if (!text) return searchResult([]);
    const [vector] = await this.embedder.embed([text], { signal: options.signal });
    if (!vector) return searchResult([]);
    const params = [
      `[${vector.join(',')}]`,
      options.tenantId,
      options.knowledgeBaseIds ?? null,
      options.topK,
    ];
    const rows = await this.db.transaction(async (client) => {
      await client.query('set local hnsw.iterative_scan = strict_order');
      await client.query(`set local hnsw.ef_search = ${Math.max(40, options.topK * 2)}`);
      return (await client.query<ChunkRow>(SQL, params)).rows;
    });
    return searchResult(toRetrievedChunks(rows, this.name));
  }
}
