// Knowledge layer: ingestion (parse, chunk, durable jobs) and retrieval (keyword, fusion, reranking).

export { countTokens } from './chunk/index.js';
export * from './ingest/index.js';
export { type DocumentFormat, detectFormat } from './parse/index.js';
export * from './rerank/index.js';
export * from './retrieve/index.js';
