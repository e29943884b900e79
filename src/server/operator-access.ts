// Who counts as the operator on the operations routes (/metrics, /readyz's details): the holder of
// the metrics token, or, while no secret key exists, a client on this machine under the keyless
// rule of the auth hook (Host and Origin checked as there: keyless-access.ts). A tenant's API key is not the operator: those routes describe every tenant.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { isLoopbackRequest, type KeyVerifier, keylessRefusal } from '../edge/index.js';

export type OperatorCheck = (request: FastifyRequest) => Promise<boolean>;

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether the request's `Authorization: Bearer <token>` is `token` (compared in constant time). */
export function bearerMatches(request: FastifyRequest, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

/**
 * `token`: PARLEY_METRICS_TOKEN. `everyone`: the request came in on the separate metrics port with
 * no token set, a port the operator keeps private.
 */
export function createOperatorCheck(
  token: string | undefined,
  keys: Pick<KeyVerifier, 'anyKeyExists'>,
  options: { everyone?: boolean } = {},
): OperatorCheck {
  return async (request) => {
    if (token !== undefined && bearerMatches(request, token)) return true;
    if (options.everyone && token === undefined) return true;
    if (request.headers.authorization !== undefined || !isLoopbackRequest(request)) return false;
    // The keyless rule's own conditions: a Host naming this machine, no other site's page.
    if (keylessRefusal(request) !== undefined) return false;
    return !(await keys.anyKeyExists().catch(() => true));
  };
}
