// What a secret key may call, by its scopes: `chat` the chat endpoints only, `read` every read
// (GET) but the key list and the audit log, `admin` everything. Keys made before scopes existed
// are admin. Publishable keys are not scoped this way: widget access (server/widget) keeps them to
// the widget's routes.
import { ParleyError } from '../../errors/index.js';

export const KEY_SCOPES = ['chat', 'read', 'admin'] as const;
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

/** Reads that need an admin key: they show the tenant's keys and who did what. */
const ADMIN_READS = new Set(['GET /v1/keys', 'GET /v1/audit-log']);

/** Whether a key with `scopes` may call `method url` (the route's pattern, as Fastify names it). */
export function scopeAllows(scopes: readonly KeyScope[], method: string, url: string): boolean {
  if (scopes.includes('admin')) return true;
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
): ParleyError | undefined {
  // An unmatched URL goes on to its 404 (the key was valid).
  if (url === undefined || scopeAllows(scopes, method, url)) return undefined;
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
