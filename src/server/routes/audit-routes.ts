// GET /v1/audit-log: the tenant's administrative actions, newest first, a page at a time. Admin
// keys only (key-scopes.ts).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listAudit } from '../../edge/index.js';
import type { Database } from '../../storage/index.js';
import { auditPage, auditQuery } from './audit-schemas.js';
import { errorResponses, TAGS } from './http-schemas.js';
import { tenantDb } from './tenant-db.js';

export interface AuditRoutesOptions {
  db: Database;
}

export const auditRoutes: FastifyPluginAsync<AuditRoutesOptions> = async (app, { db }) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/audit-log',
    {
      schema: {
        tags: [TAGS.keys],
        summary: "The tenant's administrative actions, newest first",
        description:
          'Keys created, revoked and rotated; bots, documents, budgets, curated answers, HTTP tools and tool secrets changed. A page at a time: pass `next_before` as `before` for the next. Admin keys only.',
        querystring: auditQuery,
        response: { 200: auditPage, ...errorResponses },
      },
    },
    async (request) => listAudit(tenantDb(db, request), request.principal.tenantId, request.query),
  );
};
