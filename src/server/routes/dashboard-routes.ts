// GET /v1/dashboard: the operator dashboard's figures for the caller's tenant over a bounded time
// range, from the stored turn traces. Publishable (widget) keys are refused by the widget access
// hook like every route that is not chat.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { readDashboard } from '../../accounting/index.js';
import type { Runtime } from '../../app/runtime.js';
import { tenantDb } from './tenant-db.js';

const DAY_MS = 86_400_000;
/** The widest range one request may ask for; older traces stay readable a range at a time. */
export const MAX_DASHBOARD_DAYS = 90;
/** Hourly buckets over at most a month (744 points), so a response stays small. */
const MAX_HOURLY_DAYS = 31;

const dashboardQuery = z
  .object({
    from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 date-time' }).optional(),
    to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 date-time' }).optional(),
    bucket: z.enum(['hour', 'day']).optional(),
    not_found_limit: z.coerce.number().int().min(0).max(200).default(20),
  })
  .strict()
  .transform((query, ctx) => {
    const to = query.to ? new Date(query.to) : new Date();
    // The default range: a day in hours, or a week in days.
    const from = query.from
      ? new Date(query.from)
      : new Date(to.getTime() - (query.bucket === 'hour' ? DAY_MS : 7 * DAY_MS));
    if (from >= to) ctx.addIssue({ code: 'custom', message: 'from must be before to', path: ['from'] });
    if (to.getTime() - from.getTime() > MAX_DASHBOARD_DAYS * DAY_MS) {
      ctx.addIssue({
        code: 'custom',
        message: `the range may span at most ${MAX_DASHBOARD_DAYS} days`,
        path: ['from'],
      });
    }
    const bucket = query.bucket ?? (to.getTime() - from.getTime() <= 2 * DAY_MS ? 'hour' : 'day');
    if (bucket === 'hour' && to.getTime() - from.getTime() > MAX_HOURLY_DAYS * DAY_MS) {
      ctx.addIssue({
        code: 'custom',
        message: `hourly buckets may span at most ${MAX_HOURLY_DAYS} days: use bucket=day`,
        path: ['bucket'],
      });
    }
    return { from, to, bucket, notFoundLimit: query.not_found_limit };
  });

export function dashboardRoutes(app: FastifyInstance, runtime: Runtime) {
  app.get('/v1/dashboard', async (request) => {
    const range = dashboardQuery.parse(request.query);
    return readDashboard(tenantDb(runtime, request), { tenantId: request.principal.tenantId, ...range });
  });
}
