// Chat layer: the turn pipeline, prompts and context budgeting, the extractive answerer,
// conversation storage.
export {
  BOT_ID,
  type BotDefaults,
  type BotSettings,
  botSettingsSchema,
  DEFAULT_BOT,
} from './bots/bot-settings.js';
export { type BotProfile, Bots, type BotView } from './bots/bots.js';
export { ChatService, type ChatServiceDeps } from './chat-service.js';
export { conversationExists, getMessages, getTrace, type MessageRecord } from './conversation-store.js';
export {
  type Dashboard,
  type DashboardBucket,
  type DashboardRange,
  readDashboard,
  type TurnFigures,
} from './dashboard-stats.js';
export {
  type Citation,
  DEGRADED_LABEL,
  EXTRACTIVE_LABEL,
  extractiveAnswer,
  NOTHING_FOUND,
} from './extractive-answer.js';
export { SYSTEM_PROMPT } from './grounded-prompt.js';
export { ModelRouter, type RoutingRule } from './model-router.js';
export {
  listPromptVersions,
  type PromptVersion,
  promptVersionId,
  registerPrompt,
  SERVER_PROMPT,
} from './prompt-versions.js';
export { deleteTrace, TraceRetention } from './trace-retention.js';
export { Turn } from './turn.js';
export type { TurnPlan } from './turn-plan.js';
export type { AnswerMode, TurnRequest, TurnResult, TurnTrace, Usage } from './turn-types.js';
export { WriteBehind } from './write-behind.js';
