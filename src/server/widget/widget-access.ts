// Publishable (widget) keys at the gateway, right after authentication: CORS for the key's own
// origins only, the two routes a widget needs, the signed visitor id, the key's own request
// limit keyed by key+IP and key+visitor, and the signed-in user the host site vouches for (its
// identity provider's JWT in x-parley-user-token: the user's conversations are then theirs, on
// any device, rather than the visitor's). Secret keys pass through untouched.
//
// A small hook rather than @fastify/cors: whether an origin is allowed depends on the key that
// authenticated the request (known only after the auth hook), and a preflight carries no key at
// all, so it is answered from the union of all publishable keys' origins and the real request is
// then checked against its own key. @fastify/cors would need a delegator repeating the key lookup.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { publishableOrigins } from '../../edge/auth/api-keys.js';
import { FallbackLimiter, signedInUser, type UserSignIn } from '../../edge/index.js';
import { ParleyError } from '../../errors/index.js';
import type { Database, RedisConnection } from '../../storage/index.js';
import { VISITOR_HEADER, type VisitorTokens } from './visitor-token.js';

/**
 * What a publishable key may call: chatting (and resuming a streamed answer), reading back and
 * watching its visitor's conversations, deciding the actions its turns paused for, rating its
 * answers, deleting a turn of them (Regenerate), and, for the host site's signed-in user, their
 * long-term memories (the memory routes refuse a visitor who is no user).
 */
const WIDGET_ROUTES: Record<string, readonly string[]> = {
  '/v1/chat': ['POST'],
  '/v1/turns/:turn_id/feedback': ['POST'],
  '/v1/conversations/:id/approvals/:approval': ['POST'],
  '/v1/conversations/:id': ['GET'],
  '/v1/conversations/:id/events': ['GET'],
  '/v1/turns/:id/stream': ['GET'],
  '/v1/conversations/:id/turns/:turn_id': ['DELETE'],
  '/v1/memories': ['GET', 'DELETE'],
  '/v1/memories/:id': ['PATCH', 'DELETE'],
};
/** The header carrying the host site's signed-in user: a JWT of the operator's identity provider. */
export const USER_TOKEN_HEADER = 'x-parley-user-token';
const ALLOW_HEADERS = `authorization, content-type, accept, x-request-id, last-event-id, ${VISITOR_HEADER}, ${USER_TOKEN_HEADER}`;
const EXPOSE_HEADERS = `${VISITOR_HEADER}, x-request-id, retry-after`;
const ORIGINS_TTL_MS = 5_000;

const forbidden = (message: string) => new ParleyError('PARLEY_ERR_FORBIDDEN', message);

export interface WidgetAccess {
  /** onRequest, after authentication. */
  check(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Registers the CORS preflight routes (served without a key). */
  routes(app: FastifyInstance): void;
}

/** Where the widget's visitor and address limits are counted. */
export interface WidgetLimitStore {
  /** The shared Redis: every replica counts against one limit (absent: this process's memory). */
  redis?: RedisConnection;
  /** Called when Redis cannot answer and this process's memory counts instead. */
  onFallback?: () => void;
}

/** The signed-in user a widget request names, checked to be of the key's tenant (or a 401/403). */
async function widgetUser(
  request: FastifyRequest,
  users: UserSignIn | undefined,
): Promise<string | undefined> {
  const token = request.headers[USER_TOKEN_HEADER];
  if (token === undefined) return undefined;
  if (!users) throw forbidden('this server signs in no users: it has no identity provider');
  const user = await signedInUser(users, String(token), request, request.principal.tenantId);
  return user.userId;
}

export function createWidgetAccess(
  db: Database,
  tokens: VisitorTokens,
  store: WidgetLimitStore = {},
  users?: UserSignIn,
): WidgetAccess {
  // One limiter per distinct per-minute limit (keys usually share the default); in Redis when the
  // server has one, so replicas share each visitor's and address's budget.
  const limiters = new Map<number, RateLimiterAbstract>();
  const limiterFor = (points: number) => {
    let limiter = limiters.get(points);
    if (!limiter) {
      const options = { keyPrefix: `parley:rl:widget:${points}`, points, duration: 60 };
      limiter = store.redis
        ? new RateLimiterRedis({
            ...options,
            storeClient: store.redis.client,
            rejectIfRedisNotReady: true,
            insuranceLimiter: new FallbackLimiter(options, store.onFallback ?? (() => {})),
          })
        : new RateLimiterMemory(options);
      limiters.set(points, limiter);
    }
    return limiter;
  };
  let origins: { value: Promise<Set<string>>; expires: number } | undefined;
  const knownOrigins = () => {
    if (!origins || origins.expires < Date.now()) {
      const value = publishableOrigins(db);
      value.catch(() => {
        origins = undefined;
      });
      origins = { value, expires: Date.now() + ORIGINS_TTL_MS };
    }
    return origins.value;
  };

  return {
    async check(request, reply) {
      const scope = request.principal?.publishable;
      if (!scope) return;
      const keyId = request.principal.keyId!;
      const origin = request.headers.origin;
      if (!origin || !scope.origins.includes(origin)) {
        throw forbidden(`origin ${origin ?? '(none)'} may not use this publishable key`);
      }
      // Set on the raw response so that hijacked (SSE) replies carry them too.
      const raw = reply.raw;
      raw.setHeader('access-control-allow-origin', origin);
      raw.setHeader('vary', 'Origin');
      raw.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
      const url = request.routeOptions.url;
      if (!url || !WIDGET_ROUTES[url]?.includes(request.method)) {
        throw forbidden(
          'a publishable key may only chat (POST /v1/chat, GET /v1/conversations/{id} and its /events), decide ' +
            'the actions its turns paused for (POST /v1/conversations/{id}/approvals/{approval}), rate its ' +
            "answers (POST /v1/turns/{turn_id}/feedback) and show a signed-in user's memories (/v1/memories)",
        );
      }
      const presented = request.headers[VISITOR_HEADER];
      let visitorId = tokens.verify(keyId, typeof presented === 'string' ? presented : undefined);
      if (visitorId) {
        raw.setHeader(VISITOR_HEADER, presented as string);
      } else {
        const minted = tokens.mint(keyId);
        visitorId = minted.visitorId;
        raw.setHeader(VISITOR_HEADER, minted.token);
      }
      request.principal.visitorId = visitorId;

      // The IP bounds what any one client can do (it can always drop its visitor token and get a
      // new one); the visitor budget follows a visitor whose IP changes (a phone between networks).
      const limiter = limiterFor(scope.ratePerMinute);
      try {
        await limiter.consume(`${keyId}|ip|${request.ip}`);
        await limiter.consume(`${keyId}|visitor|${visitorId}`);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
        raw.setHeader('retry-after', String(seconds));
        throw new ParleyError('PARLEY_ERR_RATE_LIMITED', `too many requests: try again in ${seconds} s`);
      }
      // Checked past the limits, so a flood of made-up tokens is bounded like any request.
      const userId = await widgetUser(request, users);
      if (userId !== undefined) request.principal.userId = userId;
    },

    routes(app) {
      // The browser's CORS preflights, not API operations: left out of the OpenAPI document.
      const options = { config: { public: true }, schema: { hide: true } };
      for (const [url, methods] of Object.entries(WIDGET_ROUTES)) {
        app.options(url, options, async (request, reply) => {
          const origin = request.headers.origin;
          const wanted = String(request.headers['access-control-request-method'] ?? '');
          if (!origin || !methods.includes(wanted) || !(await knownOrigins()).has(origin)) {
            throw forbidden(`origin ${origin ?? '(none)'} may not call ${wanted || '(none)'} ${url}`);
          }
          return reply
            .status(204)
            .header('access-control-allow-origin', origin)
            .header('vary', 'Origin')
            .header('access-control-allow-methods', methods.join(', '))
            .header('access-control-allow-headers', ALLOW_HEADERS)
            .header('access-control-max-age', '600')
            .send();
        });
      }
    },
  };
}
