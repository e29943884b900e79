// The usage and budgets routes' schemas: the period and grouping of a usage summary, a tenant's
// own budgets, and how spend is shown.
import { z } from 'zod';
import { timestamp } from './http-schemas.js';

// A date (2025-01-31, the whole UTC day) or a date-time with an offset.
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const usageQuery = z
  .object({
    from: instant.optional().describe('Start of the period (default: 30 days before `to`)'),
    to: instant.optional().describe('End of the period (default: now); a bare date includes that day'),
    group_by: z.enum(['day', 'model', 'bot', 'key']).default('day'),
  })
  .strict();

/** A positive amount in USD, or null for the server's default. */
const amount = z.number().positive().max(1_000_000_000).nullable().default(null);

const NO_BODY = {
  tenant_daily_usd: null,
  tenant_monthly_usd: null,
  key_daily_usd: null,
  key_monthly_usd: null,
};

/** No body, or `{}`, sets every budget back to the server's default. */
export const budgetsBody = z
  .object({
    tenant_daily_usd: amount,
    tenant_monthly_usd: amount,
    key_daily_usd: amount,
    key_monthly_usd: amount,
  })
  .strict()
  .nullable()
  // Before the transform: zod documents a transform's input without the transform's own metadata.
  .meta({
    description:
      "Each left out or null takes the server's default; a budget may tighten the default, never loosen it",
    examples: [{ tenant_daily_usd: 5, tenant_monthly_usd: 100, key_daily_usd: null }],
  })
  .transform((body) => body ?? { ...NO_BODY });

const figures = {
  turns: z.number(),
  input_tokens: z.number(),
  cached_input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number(),
  cost_usd: z.number(),
  unpriced_turns: z.number().describe('Turns answered by a model without a price (counted at 0 USD)'),
  answer_cache_hits: z.number().describe('Turns answered from the answer cache (no model call)'),
  saved_usd: z.number().describe('What the answers given from the answer cache cost when first given'),
};

export const usageSummary = z.object({
  from: timestamp,
  to: timestamp,
  group_by: z.enum(['day', 'model', 'bot', 'key']),
  totals: z.object(figures),
  groups: z.array(
    z.object({
      ...figures,
      key: z.string().nullable().describe('The day (YYYY-MM-DD, UTC), model, bot or key id'),
    }),
  ),
});

const override = z.number().nullable();

export const budgetsView = z.object({
  policy: z.enum(['refuse', 'cheapest']).describe('What happens to a turn over budget'),
  warn_at: z.number().describe('Share of a budget at which a warning is sent'),
  overrides: z.object({
    tenant_daily_usd: override,
    tenant_monthly_usd: override,
    key_daily_usd: override,
    key_monthly_usd: override,
  }),
  budgets: z.array(
    z.object({
      scope: z.enum(['tenant', 'key']),
      period: z.enum(['day', 'month']),
      limit_usd: z.number().nullable().describe('null: no budget'),
      spent_usd: z.number(),
      resets_at: timestamp,
    }),
  ),
});
