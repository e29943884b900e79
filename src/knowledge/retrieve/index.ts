// Retrieval: keyword (BM25 or full-text), fused by rank with any other retrievers.
export { CachedRetriever, type RetrievalCacheOptions } from './cached-retriever.js';
export { fuseByRank } from './fuse-by-rank.js';
export { HybridRetriever } from './hybrid-retriever.js';
export {
  FIELD_WEIGHTS,
  type FieldWeights,
  fieldBoost,
  keywordTerms,
  openingText,
  searchableText,
} from './keyword-analyzer.js';
export { KeywordRetriever } from './keyword-retriever.js';
export {
  type KeywordIndex,
  type MemoryKeywordOptions,
  MemoryKeywordRetriever,
} from './memory-keyword-retriever.js';
export { SharedQueryEmbedder, type SharedQueryEmbedderOptions } from './shared-query-embedder.js';
export {
  type RetrievedChunk,
  type Retriever,
  type SearchOptions,
  type SearchResult,
  searchResult,
  type VectorStatus,
} from './types.js';
export { type QueryEmbedder, VectorRetriever } from './vector-retriever.js';
