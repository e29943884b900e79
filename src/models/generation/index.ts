// Chat models and the model chain.
export { createChatModels } from './create-chat-models.js';
export { ModelCatalog } from './model-catalog.js';
export {
  type Attempt,
  type ChainEvent,
  type ChainOptions,
  ModelChain,
  type ModelSlot,
  type ModelState,
  ModelsUnavailableError,
  retryAfterMs,
} from './model-chain.js';
export type {
  ChatMessage,
  ChatModel,
  FinishReason,
  GenerationOptions,
  GenerationRequest,
  TokenUsage,
} from './types.js';
