// The guard layer: pure, synchronous checks the chat pipeline runs on every message. Input:
// size, prompt injection, topics, PII. Output: streaming redaction, link allowlist, system-prompt
// leak protection. Ingestion: instructions hidden in documents.

export * from './evaluate/index.js';
export {
  DEFAULT_GUARD_POLICY,
  GuardPolicy,
  piiPolicySchema,
} from './guard-policy.js';
export * from './injection/index.js';
export { type GuardDecision, type InputInspection, inspectInput, REFUSALS } from './input-guard.js';
export * from './output/index.js';
export * from './pii/index.js';
export { checkTopics, type TopicPolicy } from './topic-policy.js';
