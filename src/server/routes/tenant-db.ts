// The queries a request makes for its caller's tenant: walled by row-level security when it is on
// (PARLEY_ROW_SECURITY), besides each query's own tenant filter.
import type { FastifyRequest } from 'fastify';
import type { Database, QueryRunner } from '../../storage/index.js';

export function tenantDb(db: Pick<Database, 'forTenant'>, request: FastifyRequest): QueryRunner {
  return db.forTenant(request.principal.tenantId);
}
