// Chat models and the model chain.
export { createChatModels } from './create-chat-models.js';
export { DEFAULT_MAX_MODELS, ModelCatalog } from './model-catalog.js';
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
  ResponseFormat,
  TokenUsage,
  ToolCall,
  ToolChoice,
  ToolExchange,
  ToolSpec,
} from './types.js';
