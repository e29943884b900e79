// Chunking: a parsed document in, token-bounded chunks with heading paths out.

export { chunkDocument } from './chunk-document.js';
export { countTokens } from './count-tokens.js';
export type { Chunk, ChunkOptions } from './types.js';
