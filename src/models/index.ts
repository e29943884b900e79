// Models: the provider seams over the AI SDK (chat models, the model chain, routing between chains; embeddings; rerankers).

export {
  createEmbedder,
  type Embedder,
  type EmbedderOptions,
  type EmbedOptions,
} from './embeddings/index.js';
export * from './generation/index.js';
export { isRetryableStatus, providerError } from './provider-error.js';
export { createDocumentReranker, type DocumentReranker } from './reranking/document-reranker.js';
export { ModelRouter, type RouteDecision, type RoutingRule } from './routing/model-router.js';
