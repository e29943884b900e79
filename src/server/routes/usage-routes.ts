// Usage and budgets of the calling tenant: GET /v1/usage (turns, tokens and cost over a period,
// grouped by day, model, bot or key), GET /v1/budgets (limits and spend) and PUT /v1/budgets
// (the tenant's own budgets, which may tighten the server's defaults but never loosen them).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { summarizeUsage, totalOf } from '../../accounting/index.js';
import type { Runtime } from '../../app/runtime.js';
import { validationError } from '../../errors/index.js';
import { callerOf } from '../turn-context.js';
import { tenantDb } from './tenant-db.js';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 400;

// A date (2025-01-31, the whole UTC day) or a date-time with an offset.
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

const usageQuery = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    group_by: z.enum(['day', 'model', 'bot', 'key']).default('day'),
  })
  .strict();

/** A positive amount in USD, or null for the server's default. */
const amount = z.number().positive().max(1_000_000_000).nullable().default(null);
const budgetsBody = z
  .object({
    tenant_daily_usd: amount,
    tenant_monthly_usd: amount,
    key_daily_usd: amount,
    key_monthly_usd: amount,
  })
  .strict();

export function usageRoutes(app: FastifyInstance, runtime: Runtime) {
  const { budgets } = runtime.gateway;

  app.get('/v1/usage', async (request) => {
    const query = usageQuery.parse(request.query);
    // A bare `to` date includes that whole day.
    const to = query.to ? new Date(Date.parse(query.to) + (query.to.length === 10 ? DAY_MS : 0)) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
    if (from >= to) throw validationError('from must be before to');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
      throw validationError(`the range may span at most ${MAX_RANGE_DAYS} days`);
    }
    const groups = await summarizeUsage(tenantDb(runtime, request), {
      tenantId: request.principal.tenantId,
      from,
      to,
      groupBy: query.group_by,
    });
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      group_by: query.group_by,
      totals: totalOf(groups),
      groups,
    };
  });

  const view = async (request: Parameters<typeof callerOf>[0]) => {
    const caller = callerOf(request);
    const [overrides, spend] = await Promise.all([
      budgets.overrides(caller.tenantId),
      budgets.status(caller),
    ]);
    return {
      policy: budgets.settings.policy,
      warn_at: budgets.settings.warnAt,
      overrides,
      budgets: spend,
    };
  };

  app.get('/v1/budgets', async (request) => view(request));

  app.put('/v1/budgets', async (request) => {
    const body = budgetsBody.parse(request.body ?? {});
    await budgets.setOverrides(request.principal.tenantId, body);
    return view(request);
  });
}
