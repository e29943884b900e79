// The rerank stage and its rerankers.

export { createReranker } from './create-reranker.js';
export { ProviderReranker } from './provider-reranker.js';
export {
  RERANK_SIGNAL,
  type RerankBudget,
  RerankingRetriever,
  type RerankOutcome,
} from './rerank-stage.js';
export type { Reranker } from './types.js';
