// A local stub model server speaking the providers' wire protocols, for tests of the real clients.
export { anthropicErrorBody } from './anthropic-wire.js';
export {
  type ChatApiName,
  type StubAnswer,
  type StubPrompt,
  type StubReply,
  wordTokens,
} from './chat-turn.js';
export { stubRelevance } from './cohere-rerank.js';
export type { Pacing } from './exchange.js';
export type { FaultTarget } from './fault-script.js';
export { DEFAULT_STUB_DIMENSIONS, hashedEmbedding, wordStems } from './hashed-embedding.js';
export { openAIErrorBody } from './openai-wire.js';
export {
  type AbortRecord,
  type CutNextOptions,
  type FailNextOptions,
  type PaceNextOptions,
  type RecordedRequest,
  type StubProvider,
  type StubProviderOptions,
  startStubProvider,
} from './stub-provider.js';
