// Models: the provider seams over the AI SDK (embeddings now; chat models and the model chain next).

export * from './chat/index.js';
export {
  createEmbedder,
  type Embedder,
  type EmbedderOptions,
  type EmbeddingSettings,
  type EmbedOptions,
} from './embeddings/index.js';
export { isRetryableStatus, providerError } from './provider-error.js';
