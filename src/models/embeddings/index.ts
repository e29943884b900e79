// Embeddings: one Embedder interface, built once at start-up from PARLEY_EMBEDDINGS.
export { createEmbedder } from './create-embedder.js';
export type { Embedder, EmbedderOptions, EmbedOptions } from './types.js';
