// Accounting: model prices, the cost of a turn, the per-turn usage records, and the dashboard's figures.
export type { Admission, Caller, TurnAccounting, TurnFacts } from './accounted-turn.js';

export {
  type Dashboard,
  type DashboardBucket,
  type DashboardRange,
  type IntentCount,
  readDashboard,
  type TurnFigures,
} from './dashboard-stats.js';
export {
  DEFAULT_PRICES,
  type ModelPrice,
  type PriceSetting,
  PriceTable,
  type TokenCounts,
} from './price-table.js';
export {
  type RolledUpUsage,
  USAGE_RETENTION_EVERY_MS,
  UsageRetention,
} from './usage-retention.js';
export {
  insertUsage,
  spendSince,
  summarizeUsage,
  totalOf,
  type UsageFigures,
  type UsageGroup,
  type UsageGrouping,
  type UsageRecord,
} from './usage-store.js';
