// GET /v1/dashboard: the operator dashboard's figures for the caller's tenant over a bounded time
// range, from the stored turn traces. Publishable (widget) keys are refused by the widget access
// hook like every route that is not chat.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { readDashboard } from '../../accounting/index.js';
import type { Database } from '../../storage/index.js';
import { dashboardQuery, dashboardView } from './dashboard-schemas.js';
import { errorResponses, TAGS } from './http-schemas.js';
import { tenantDb } from './tenant-db.js';

export interface DashboardRoutesOptions {
  db: Database;
}

export const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = async (app, { db }) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/dashboard',
    {
      schema: {
        tags: [TAGS.operations],
        summary: "The operator dashboard's figures over a time range",
        description:
          'Latency, first-token time, error, fallback and retrieval-hit rates, cost and the answer cache (hits, saved cost) per bucket; turns per intent and handler; users’ satisfaction per bot and day, and the questions of the latest answers rated down.',
        querystring: dashboardQuery,
        response: { 200: dashboardView, ...errorResponses },
      },
    },
    async (request) =>
      readDashboard(tenantDb(db, request), { tenantId: request.principal.tenantId, ...request.query }),
  );
};
