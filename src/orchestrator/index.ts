// Orchestrator layer: the turn runner (the one owner of a turn's lifecycle) and its events; the
// turn pipeline it drives: bots, curated answers, preparation, prompts and context budgeting, the
// extractive answerer, conversation memory and storage; and the local intent classifier.

export { schemaValidator } from '../tools/index.js';
export { AnswerCache, type AnswerCacheOptions, type CachedAnswer } from './answer-cache.js';
export {
  BOT_ID,
  type BotDefaults,
  type BotSettings,
  botSettingsSchema,
  DEFAULT_BOT,
} from './bots/bot-settings.js';
export { type BotProfile, Bots, type BotView } from './bots/bots.js';
export { ChatService, type ChatServiceDeps } from './chat-service.js';
export {
  type ConversationEvent,
  ConversationEvents,
  type ConversationListener,
} from './conversation-events.js';
export { updateSummary } from './conversation-memory.js';
export {
  CONVERSATION_RETENTION_EVERY_MS,
  ConversationRetention,
  type ExpiredConversations,
  type ExpiredMessages,
  NO_PERIODS,
  type RetentionPeriods,
  readRetention,
  writeRetention,
} from './conversation-retention.js';
export {
  addAgentReply,
  type ConversationSummary,
  conversationBot,
  conversationState,
  deleteConversation,
  deleteTrace,
  deleteTurn,
  getMessages,
  getTrace,
  type HandedOffConversation,
  handBack,
  handedOffConversations,
  isUsersConversation,
  listConversations,
  type MessageRecord,
  renameConversation,
} from './conversation-store.js';
export {
  type CuratedAnswer,
  CuratedAnswers,
  type CuratedMatch,
  DEFAULT_CURATED_THRESHOLD,
  MAX_ANSWER_CHARS,
  MAX_CURATED_PER_BOT,
  MAX_QUESTION_CHARS,
} from './curated/index.js';
export type { ErasureReport } from './erase-conversations.js';
export {
  type Citation,
  DEGRADED_LABEL,
  EXTRACTIVE_LABEL,
  extractiveAnswer,
  NOTHING_FOUND,
} from './extractive-answer.js';
export { SYSTEM_PROMPT } from './grounded-prompt.js';
export {
  CLINC_INTENTS,
  defaultIntentClassifier,
  INTENTS,
  type Intent,
  IntentClassifier,
  type IntentExample,
  type IntentModel,
  type IntentResult,
  type IntentTrainOptions,
  intentModelSchema,
  isIntent,
  mapClincIntent,
  trainIntentModel,
} from './intent/index.js';
export {
  MAX_MEMORY_CHARS,
  MEMORY_SWEEP_EVERY_MS,
  type MemoryRecord,
  type PiiPolicyOf,
  UserMemories,
} from './memories/index.js';
export {
  listPromptVersions,
  type PromptVersion,
  promptVersionId,
  registerPrompt,
  SERVER_PROMPT,
} from './prompt-versions.js';
export {
  createStreamLog,
  isStreamLost,
  MemoryStreamLog,
  RedisStreamLog,
  type StoredStream,
  type StreamEntry,
  type StreamLog,
  type StreamWriter,
} from './stream-log/index.js';
export { SUMMARY_JOB, SummaryJobs } from './summary-jobs.js';
export { type ApprovalView, ToolApprovals } from './tool-approvals.js';
export { Turn } from './turn.js';
export type { TurnEvent } from './turn-events.js';
export {
  FEEDBACK_RATINGS,
  type FeedbackEntry,
  type FeedbackFilter,
  type FeedbackRating,
  type FeedbackView,
  MAX_FEEDBACK_COMMENT_CHARS,
  type RatedTurn,
  TurnFeedback,
} from './turn-feedback.js';
export type { TurnPlan } from './turn-plan.js';
export {
  type PreparedTurn,
  RunningTurn,
  type TurnAdmission,
  type TurnContext,
  type TurnInput,
  TurnRunner,
  type TurnRunnerDeps,
} from './turn-runner.js';
export { KNOWLEDGE_SEARCH, type ToolCallRecord, TurnToolMaker, TurnTools } from './turn-tools.js';
export type { AnswerMode, TurnRequest, TurnResult, TurnTrace, Usage } from './turn-types.js';
export {
  DEFAULT_INTENT_POLICY,
  type Handler,
  type IntentPolicy,
  type IntentReader,
  type Understanding,
} from './understand-message.js';
export {
  ERASURE_MEMORY_MS,
  eraseUser,
  exportUser,
  forgetErasures,
  renewTenantCaches,
  type UserConversationExport,
} from './user-data.js';
