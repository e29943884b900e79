// What a secret key may call, by its scopes: `chat` the chat endpoints only, `read` every read
// (GET) but the key list and the audit log, `admin` everything. Keys made before scopes existed
// are admin. `act_for_users` lets a key name the end user it acts for (header Parley-User, or
// the OpenAI `user` field): the request then reaches the user routes only and sees that user's
// conversations only, and a chat key may also list, rename, delete and export them. A signed-in
// user (a JWT) calls the user routes. Publishable keys are not scoped this way: widget access
// (server/widget) keeps them to the widget's routes.
import { ParleyError } from '../../errors/index.js';

export const KEY_SCOPES = ['chat', 'read', 'admin', 'act_for_users'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/**
 * The chat endpoints: chatting (both shapes, and resuming a streamed answer), the model list, reading back a conversation,
 * deciding the actions its turns paused for (an operator's decision needs an admin key), and
 * rating its answers.
 */
const CHAT_ROUTES = new Set([
  'POST /v1/chat',
  'GET /v1/turns/:id/stream',
  'POST /v1/turns/:turn_id/feedback',
  'POST /v1/conversations/:id/approvals/:approval',
  'POST /v1/chat/completions',
  'GET /v1/models',
  'GET /v1/conversations/:id',
  'GET /v1/conversations/:id/events',
]);

/**
 * What an end user may call: the chat endpoints, their own conversations' list and changes, and
 * their long-term memories.
 */
export const USER_ROUTES: ReadonlySet<string> = new Set([
  ...CHAT_ROUTES,
  'GET /v1/memories',
  'PATCH /v1/memories/:id',
  'DELETE /v1/memories/:id',
  'DELETE /v1/memories',
  'GET /v1/conversations',
  'PATCH /v1/conversations/:id',
  'DELETE /v1/conversations/:id',
  'DELETE /v1/conversations/:id/turns/:turn_id',
  'GET /v1/conversations/:id/export',
]);

/** Whether a signed-in user (or a chat key acting for one) may call `method url`. */
export function userMayCall(method: string, url: string): boolean {
  return USER_ROUTES.has(`${method === 'HEAD' ? 'GET' : method} ${url}`);
}

/** Whether a key with `scopes` may name the end user it acts for. */
export function mayActForUsers(scopes: readonly KeyScope[]): boolean {
  return scopes.includes('act_for_users') || scopes.includes('admin');
}

/** Reads that need an admin key: they show the tenant's keys, who did what, and an end user's data. */
const ADMIN_READS = new Set(['GET /v1/keys', 'GET /v1/audit-log', 'GET /v1/users/:id/export']);

/**
 * Whether a key with `scopes` may call `method url` (the route's pattern, as Fastify names it);
 * `forUser`: the key acts for an end user.
 */
export function scopeAllows(
  scopes: readonly KeyScope[],
  method: string,
  url: string,
  forUser = false,
): boolean {
  // Acting for a user, a key reaches what the user may, within its own scopes: never the tenant's
  // other data (its lists of feedback, approvals or handoffs span every user).
  if (forUser && !userMayCall(method, url)) return false;
  if (scopes.includes('admin')) return true;
  if (forUser && scopes.includes('chat')) return true;
  // HEAD is answered by the GET route.
  const route = `${method === 'HEAD' ? 'GET' : method} ${url}`;
  if (scopes.includes('chat') && CHAT_ROUTES.has(route)) return true;
  return scopes.includes('read') && route.startsWith('GET ') && !ADMIN_READS.has(route);
}

/** The 403 a key gets for a route outside its scopes, or undefined when it may call it. */
export function scopeRefusal(
  scopes: readonly KeyScope[],
  method: string,
  url: string | undefined,
  forUser = false,
): ParleyError | undefined {
  // An unmatched URL goes on to its 404 (the key was valid).
  if (url === undefined || scopeAllows(scopes, method, url, forUser)) return undefined;
  return new ParleyError(
    'PARLEY_ERR_FORBIDDEN',
    `this key's scopes (${scopes.join(', ')}) do not allow ${method} ${url}`,
  );
}

/** The scopes as given (a list, or comma-separated), checked and without repeats. */
export function parseScopes(values: readonly string[]): KeyScope[] {
  const scopes = values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
  for (const scope of scopes) {
    if (!(KEY_SCOPES as readonly string[]).includes(scope)) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        `not a key scope: ${scope} (one of ${KEY_SCOPES.join(', ')})`,
      );
    }
  }
  if (scopes.length === 0) throw new ParleyError('PARLEY_ERR_VALIDATION', 'a key needs at least one scope');
  return [...new Set(scopes)] as KeyScope[];
}
