// The edge: what stands before a turn. Auth (API keys, loopback), rate limits (requests and
// tokens), budgets, the turn gate, and the settlement of each turn's cost.

export {
  createApiKey,
  ensureTenant,
  KeyVerifier,
  normalizeOrigin,
  publishableOrigins,
} from './auth/api-keys.js';
export { createAuthHook } from './auth/authenticate.js';
export { isLoopbackRequest } from './auth/is-loopback.js';
export { keylessRefusal } from './auth/keyless-access.js';
export type { BudgetOverrides } from './budget-store.js';
export type { BudgetLimits, BudgetPolicy, Budgets, SpentBudget } from './budgets.js';
export { Gateway } from './gateway.js';
export type { GatewayMetrics } from './gateway-metrics.js';
export {
  type LimitScope,
  type LimitState,
  limitHeaders,
  RateLimitedError,
} from './rate-limits.js';
export { TurnGate, type TurnGateOptions, type TurnGateState } from './turn-gate.js';
