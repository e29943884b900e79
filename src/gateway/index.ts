// Gateway layer: rate limits (requests and tokens), budgets and the accounting of each turn.
export type { BudgetOverrides } from './budget-store.js';
export type { BudgetLimits, BudgetPolicy, SpentBudget } from './budgets.js';
export { type Admission, Gateway, type TurnFacts } from './gateway.js';
export type { GatewayMetrics } from './gateway-metrics.js';
export {
  type Caller,
  type LimitScope,
  type LimitState,
  limitHeaders,
  RateLimitedError,
} from './rate-limits.js';
