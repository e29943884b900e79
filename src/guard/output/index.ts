// The output guard: streaming redaction, link allowlist and system-prompt leak protection.

export { MAX_HOLD } from './hold-back.js';
export { isHostAllowed, LINK_REMOVED } from './link-policy.js';
export {
  DEFAULT_LEAK_REFUSAL,
  type OutputCounts,
  type OutputGuardOptions,
  StreamGuard,
} from './stream-guard.js';
