// The auth hook: a Bearer key names the tenant. With no key created yet, loopback clients are
// served as the `default` tenant; once any key exists, every request needs one.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError } from '../../errors/index.js';
import type { KeyVerifier } from './api-keys.js';
import { isLoopbackRequest } from './is-loopback.js';

/** The caller of a request, set by the auth hook. */
export interface Principal {
  tenantId: string;
  keyId: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

export function createAuthHook(keys: KeyVerifier, defaultTenantId: string) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const identity = match ? await keys.verify(match[1]!) : undefined;
      if (!identity) throw new ParleyError('PARLEY_ERR_UNAUTHORIZED', 'invalid API key');
      request.principal = { tenantId: identity.tenantId, keyId: identity.keyId };
      return;
    }
    if (isLoopbackRequest(request) && !(await keys.anyKeyExists())) {
      request.principal = { tenantId: defaultTenantId, keyId: null };
      return;
    }
    throw new ParleyError('PARLEY_ERR_UNAUTHORIZED', 'missing API key: send Authorization: Bearer <key>');
  };
}
