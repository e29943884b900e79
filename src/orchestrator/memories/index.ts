// End users' long-term memory: taken from their conversations by the bot's model, recalled into
// later turns' prompts, and theirs to see, edit and delete.
export { MAX_MEMORY_CHARS } from './extract-memories.js';
export { MEMORY_KINDS, type MemoryKind, type MemoryRecord } from './memory-store.js';
export {
  type ChargeCall,
  MEMORY_SWEEP_EVERY_MS,
  type PiiPolicyOf,
  type RememberedExchange,
  UserMemories,
  type UserMemoriesOptions,
} from './user-memories.js';
