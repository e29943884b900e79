// The auth hook: a Bearer key names the tenant, and a secret key's scopes bound the routes it may
// call (key-scopes.ts). With no key created yet, loopback clients are served as the `default`
// tenant (if the request names this machine and no other site sent it: see keyless-access.ts);
// once any key exists, every request needs one.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError } from '../../errors/index.js';
import type { KeyVerifier, PublishableScope } from './api-keys.js';
import { isLoopbackRequest } from './is-loopback.js';
import { type KeyScope, scopeRefusal } from './key-scopes.js';
import { keylessRefusal } from './keyless-access.js';

/** The caller of a request, set by the auth hook. */
export interface Principal {
  tenantId: string;
  keyId: string | null;
  /** What the caller may call: a secret key's scopes; admin for a keyless loopback client. */
  scopes: readonly KeyScope[];
  /** Set when the key is a publishable (widget) key. */
  publishable?: PublishableScope;
  /** The widget visitor (server-minted, signed) for a publishable key's request. */
  visitorId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
    /** When the request arrived (epoch ms, sub-millisecond). */
    receivedAt: number;
    /** Time spent authenticating it, in ms. */
    authMs: number;
  }
  interface FastifyContextConfig {
    /** Served without a key: static web assets and CORS preflights. */
    public?: boolean;
  }
}

export function createAuthHook(keys: KeyVerifier, defaultTenantId: string) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (request.routeOptions.config?.public === true) return;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const identity = match ? await keys.verify(match[1]!) : undefined;
      if (!identity) throw new ParleyError('PARLEY_ERR_UNAUTHORIZED', 'invalid API key');
      request.principal = { tenantId: identity.tenantId, keyId: identity.keyId, scopes: identity.scopes };
      // A publishable key is kept to the widget's routes by widget access instead.
      if (identity.publishable) {
        request.principal.publishable = identity.publishable;
        return;
      }
      const refusal = scopeRefusal(identity.scopes, request.method, request.routeOptions.url);
      if (refusal) throw refusal;
      return;
    }
    if (isLoopbackRequest(request) && !(await keys.anyKeyExists())) {
      const refusal = keylessRefusal(request);
      if (refusal) throw refusal;
      request.principal = { tenantId: defaultTenantId, keyId: null, scopes: ['admin'] };
      return;
    }
    throw new ParleyError('PARLEY_ERR_UNAUTHORIZED', 'missing API key: send Authorization: Bearer <key>');
  };
}
