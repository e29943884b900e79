// The guard layer: one interface (input, passage and output phases), a bot's list of guards.
// Input: size, prompt injection, topics, PII, and the moderation model when configured. Passages:
// instructions hidden in documents. Output: streaming redaction, link allowlist, system-prompt
// leak protection.

export { type HiddenReading, hiddenReadings, rot13 } from './decode-hidden-text.js';
export { type FoldedText, foldText, foldWithOffsets, stripTagCharacters } from './fold-text.js';
export {
  type DeferredCheck,
  type Guard,
  type GuardDecision,
  type GuardedPassage,
  guardPassages,
  type InputInspection,
  type InspectOptions,
  inspectWith,
  type OutputFilter,
  outputFilter,
  type PendingVerdict,
} from './guard.js';
export {
  DEFAULT_GUARD_POLICY,
  GUARD_NAMES,
  type GuardName,
  GuardPolicy,
  piiPolicySchema,
} from './guard-policy.js';
export { GuardSet } from './guard-set.js';
export * from './injection/index.js';
export {
  applyInjectionVerdict,
  block,
  FAST_INPUT_GUARDS,
  injectionGuard,
  inspectInput,
  piiGuard,
  REFUSALS,
  sizeGuard,
  topicGuard,
} from './input-guard.js';
export {
  ModelGuard,
  type ModelGuardOptions,
  type ModelVerdict,
  moderationGuard,
} from './moderation/model-guard.js';
export * from './output/index.js';
export { outputGuard } from './output/output-guard.js';
export { passageGuard } from './passage-guard.js';
export * from './pii/index.js';
export { checkTopics, type TopicPolicy } from './topic-policy.js';
