// The queries a request makes for its caller's tenant: walled by row-level security when it is on
// (PARLEY_ROW_SECURITY), besides each query's own tenant filter.
import type { FastifyRequest } from 'fastify';
import type { Runtime } from '../../app/runtime.js';
import type { QueryRunner } from '../../storage/index.js';

export function tenantDb(runtime: Runtime, request: FastifyRequest): QueryRunner {
  return runtime.db.forTenant(request.principal.tenantId);
}
