// The edge: what stands before a turn. Auth (API keys and their life, scopes, loopback), the audit
// log of administrative actions, rate limits (requests and tokens), budgets, the turn gate, and
// the settlement of each turn's cost.

export {
  type AuditActor,
  type AuditEntry,
  type AuditQuery,
  type AuditView,
  listAudit,
  recordAudit,
} from './audit-log.js';
export {
  ensureTenant,
  KEY_POLL_MS,
  KeyVerifier,
  normalizeOrigin,
  publishableOrigins,
} from './auth/api-keys.js';
export {
  checkedUserId,
  createAuthHook,
  type Principal,
  signedInUser,
  USER_HEADER,
  type UserSignIn,
} from './auth/authenticate.js';
export { isLoopbackRequest } from './auth/is-loopback.js';
export {
  type CreatedKey,
  type CreateKeyOptions,
  createApiKey,
  createTenantKey,
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  getKey,
  type KeyView,
  listKeys,
  MAX_ROTATION_OVERLAP_SECONDS,
  revokeKey,
  rotateKey,
  tenantIdByName,
} from './auth/key-admin.js';
export {
  KEY_SCOPES,
  type KeyScope,
  mayActForUsers,
  parseScopes,
  scopeAllows,
  userMayCall,
} from './auth/key-scopes.js';
export { keylessRefusal } from './auth/keyless-access.js';
export { createUserSignIn } from './auth/user-sign-in.js';
export { UserTokens } from './auth/user-tokens.js';
export type { BudgetOverrides } from './budget-store.js';
export type { BudgetLimits, BudgetPolicy, Budgets, SpentBudget } from './budgets.js';
export { Gateway } from './gateway.js';
export type { GatewayMetrics } from './gateway-metrics.js';
export {
  FallbackLimiter,
  type LimitScope,
  type LimitState,
  limitHeaders,
  RateLimitedError,
} from './rate-limits.js';
export { TurnGate, type TurnGateOptions, type TurnGateState } from './turn-gate.js';
