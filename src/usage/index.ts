// Usage layer: model prices, the cost of a turn, and the per-turn usage records.
export {
  DEFAULT_PRICES,
  type ModelPrice,
  type PriceSetting,
  PriceTable,
  type TokenCounts,
} from './price-table.js';
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
