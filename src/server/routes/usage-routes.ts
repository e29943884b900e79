// Usage and budgets of the calling tenant: GET /v1/usage (turns, tokens and cost over a period,
// grouped by day, model, bot or key), GET /v1/budgets (limits and spend) and PUT /v1/budgets
// (the tenant's own budgets, which may tighten the server's defaults but never loosen them).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { summarizeUsage, totalOf } from '../../accounting/index.js';
import type { Budgets } from '../../edge/index.js';
import { validationError } from '../../errors/index.js';
import type { Database } from '../../storage/index.js';
import { callerOf } from '../turn-context.js';
import { errorResponses, TAGS } from './http-schemas.js';
import { tenantDb } from './tenant-db.js';
import { budgetsBody, budgetsView, usageQuery, usageSummary } from './usage-schemas.js';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 400;
const tags = [TAGS.usage];

export interface UsageRoutesOptions {
  db: Database;
  budgets: Budgets;
}

export const usageRoutes: FastifyPluginAsync<UsageRoutesOptions> = async (app, { db, budgets }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/usage',
    {
      schema: {
        tags,
        summary: 'Turns, tokens and cost over a period, grouped by day, model, bot or key',
        querystring: usageQuery,
        response: { 200: usageSummary, ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query;
      // A bare `to` date includes that whole day.
      const to = query.to
        ? new Date(Date.parse(query.to) + (query.to.length === 10 ? DAY_MS : 0))
        : new Date();
      const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
      if (from >= to) throw validationError('from must be before to');
      if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
        throw validationError(`the range may span at most ${MAX_RANGE_DAYS} days`);
      }
      const groups = await summarizeUsage(tenantDb(db, request), {
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
    },
  );

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

  api.get(
    '/v1/budgets',
    {
      schema: {
        tags,
        summary: "The tenant's and the key's budgets and what is spent of them",
        response: { 200: budgetsView, ...errorResponses },
      },
    },
    async (request) => view(request),
  );

  api.put(
    '/v1/budgets',
    {
      schema: {
        tags,
        summary: "Set the tenant's own budgets",
        body: budgetsBody,
        response: { 200: budgetsView, ...errorResponses },
      },
    },
    async (request) => {
      await budgets.setOverrides(request.principal.tenantId, request.body);
      return view(request);
    },
  );
};
