// The auth hook: a Bearer key names the tenant, and a secret key's scopes bound the routes it may
// call (key-scopes.ts). With no key created yet, loopback clients are served as the `default`
// tenant (if the request names this machine and no other site sent it: see keyless-access.ts);
// once any key exists, every request needs one.
// With an identity provider configured, a bearer JWT it signed names an end user instead
// (user-tokens.ts): the user's tenant, their own conversations, the user routes only. A key allowed
// to act for users names one in the Parley-User header (or the OpenAI `user` field, read by that
// route); the request then sees that user's conversations only.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError } from '../../errors/index.js';
import { KEY_PATTERN, type KeyVerifier, type PublishableScope } from './api-keys.js';
import { isLoopbackRequest } from './is-loopback.js';
import { type KeyScope, mayActForUsers, scopeRefusal, userMayCall } from './key-scopes.js';
import { keylessRefusal } from './keyless-access.js';
import { isRefusal, JWT_PATTERN, MAX_USER_ID, type UserTokens } from './user-tokens.js';

/** The header a key allowed to act for users names the user with. */
export const USER_HEADER = 'parley-user';

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
  /**
   * The end user the request is for: signed in by the identity provider, or named by a key
   * allowed to act for users. Such a request sees that user's conversations only.
   */
  userId?: string;
}

/** End users signed in by the operator's identity provider. */
export interface UserSignIn {
  tokens: Pick<UserTokens, 'verify'>;
  /** The id of the tenant a token names (undefined: none of that name). */
  tenantId(name: string): Promise<string | undefined>;
}

/** The one answer to every refused token: what was wrong with it is logged, never told. */
const badToken = () => new ParleyError('PARLEY_ERR_UNAUTHORIZED', 'invalid token');

/**
 * The principal of a signed-in user's request, or a 401; `tenantId`: the tenant the user must
 * belong to (a widget key's).
 */
export async function signedInUser(
  users: UserSignIn,
  token: string,
  request: FastifyRequest,
  tenantId?: string,
): Promise<{ tenantId: string; userId: string }> {
  const identity = await users.tokens.verify(token);
  const refused = (reason: string) => {
    request.log.info({ reason }, 'user token refused');
    return badToken();
  };
  if (isRefusal(identity)) throw refused(identity.refused);
  const usersTenant = await users.tenantId(identity.tenantName);
  if (usersTenant === undefined) throw refused('unknown tenant');
  if (tenantId !== undefined && usersTenant !== tenantId) throw refused("not the key's tenant");
  return { tenantId: usersTenant, userId: identity.userId };
}

/** The user a request names in Parley-User (undefined: none), checked for a key that may. */
function actingFor(request: FastifyRequest, scopes: readonly KeyScope[]): string | undefined {
  const named = request.headers[USER_HEADER];
  if (named === undefined) return undefined;
  if (!mayActForUsers(scopes))
    throw new ParleyError(
      'PARLEY_ERR_FORBIDDEN',
      'this key may not act for users (it needs the act_for_users scope)',
    );
  return checkedUserId(named);
}

/** A user id from outside (the Parley-User header, the OpenAI `user` field), or a 400. */
export function checkedUserId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_USER_ID || /\p{Cc}/u.test(value))
    throw new ParleyError('PARLEY_ERR_VALIDATION', `a user id is 1 to ${MAX_USER_ID} printable characters`);
  return value;
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

export function createAuthHook(keys: KeyVerifier, defaultTenantId: string, users?: UserSignIn) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (request.routeOptions.config?.public === true) return;
    const header = request.headers.authorization;
    const url = request.routeOptions.url;
    if (header !== undefined) {
      const presented = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
      if (presented !== undefined && users && !KEY_PATTERN.test(presented) && JWT_PATTERN.test(presented)) {
        const user = await signedInUser(users, presented, request);
        request.principal = { ...user, keyId: null, scopes: [] };
        if (request.headers[USER_HEADER] !== undefined)
          throw new ParleyError('PARLEY_ERR_FORBIDDEN', 'a signed-in user acts for themselves only');
        if (url !== undefined && !userMayCall(request.method, url))
          throw new ParleyError(
            'PARLEY_ERR_FORBIDDEN',
            `a signed-in user may not call ${request.method} ${url}`,
          );
        return;
      }
      const identity = presented === undefined ? undefined : await keys.verify(presented);
      if (!identity) throw new ParleyError('PARLEY_ERR_UNAUTHORIZED', 'invalid API key');
      request.principal = { tenantId: identity.tenantId, keyId: identity.keyId, scopes: identity.scopes };
      // A publishable key is kept to the widget's routes by widget access instead (its users sign
      // in with the host site's user token there).
      if (identity.publishable) {
        request.principal.publishable = identity.publishable;
        return;
      }
      const userId = actingFor(request, identity.scopes);
      if (userId !== undefined) request.principal.userId = userId;
      const refusal = scopeRefusal(identity.scopes, request.method, url, userId !== undefined);
      if (refusal) throw refusal;
      return;
    }
    if (isLoopbackRequest(request) && !(await keys.anyKeyExists())) {
      const refusal = keylessRefusal(request);
      if (refusal) throw refusal;
      request.principal = { tenantId: defaultTenantId, keyId: null, scopes: ['admin'] };
      const userId = actingFor(request, ['admin']);
      if (userId === undefined) return;
      request.principal.userId = userId;
      const outside = scopeRefusal(['admin'], request.method, url, true);
      if (outside) throw outside;
      return;
    }
    throw new ParleyError('PARLEY_ERR_UNAUTHORIZED', 'missing API key: send Authorization: Bearer <key>');
  };
}
