// The HTTP app: Fastify with one error shape, request ids in the logs, body limits, auth on
// every route, and the routes of the stable surface, validated and documented by their zod schemas
// (GET /openapi.json, GET /docs). `createApp` takes a built Runtime so tests and the CLI share one
// construction path; closing the app closes the runtime too (its onClose hook).
import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import {
  createAuthHook,
  createUserSignIn,
  ensureTenant,
  type LimitState,
  limitHeaders,
} from '../edge/index.js';
import { ParleyError } from '../errors/index.js';
import { ensureKnowledgeBase } from '../knowledge/index.js';
import {
  apiDocsRoutes,
  auditChanges,
  auditRoutes,
  botRoutes,
  callerOf,
  chatRoutes,
  conversationEventRoutes,
  conversationListRoutes,
  createOperatorCheck,
  createWidgetAccess,
  curatedRoutes,
  dashboardRoutes,
  documentRoutes,
  errorHandler,
  feedbackRoutes,
  handoffRoutes,
  healthRoutes,
  keyRoutes,
  loadServerSecret,
  memoryRoutes,
  notFoundHandler,
  openAiRoutes,
  registerOpenApiDocument,
  retentionRoutes,
  toolRoutes,
  turnStreamRoutes,
  usageRoutes,
  userDataRoutes,
  useZodSchemas,
  VisitorTokens,
  webRoutes,
} from '../server/index.js';
import { type Metrics, serializeRequest } from '../telemetry/index.js';
import type { Runtime } from './runtime.js';
import { registerScrapeGauges } from './scrape-gauges.js';

// A UTF-16 half without its other half: JSON may carry one (`"\ud800"`), UTF-8 cannot encode it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether a parsed JSON value (or params, or query) holds a string that cannot be stored: a NUL
 * character or a lone surrogate (PostgreSQL refuses both, so the turn would be answered and
 * billed but never stored).
 */
function holdsUnstorable(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000') || LONE_SURROGATE.test(value);
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  if (Buffer.isBuffer(value)) return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (holdsUnstorable(item, depth + 1)) return true;
  }
  return false;
}

/** The tenant that loopback clients act as while no API key exists. */
export const DEFAULT_TENANT = 'default';

/** Routes that are never rate limited: probes and scrapes must work under any load. */
const UNLIMITED_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export interface ParleyApp {
  app: FastifyInstance;
  metrics: Metrics;
  /**
   * Stops accepting requests and waits (up to the grace period) for in-flight ones and streams,
   * then for the runtime's close (Fastify's onClose hook); `Runtime.close()` awaits the rest.
   */
  close(): Promise<void>;
}

/**
 * One log line per request, when it ends ('request completed', with the request, the status and
 * the time), instead of Fastify's two (the request as it comes in, then its end): logging is
 * most of what telemetry costs per turn (docs/benchmarks.md, "Telemetry cost" and "Where the time
 * goes"), and the second line carried nothing the first did not.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(...args: Parameters<LogController['requestCompleted']>): void {
    const [error, request, reply] = args;
    if (this.isLogDisabled(request)) return;
    const responseTime = reply.elapsedTime;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime }, 'request completed');
  }
}

export async function createApp(runtime: Runtime): Promise<ParleyApp> {
  const { config, log } = runtime;
  const telemetry = config.telemetry.enabled;
  const { metrics } = runtime;
  const streams = new Set<Promise<void>>();
  const app: FastifyInstance = Fastify({
    // Request URLs are logged with credentials redacted (`/?key=` logs in with a full key).
    loggerInstance: log.child({}, { serializers: { req: serializeRequest } }) as FastifyBaseLogger,
    bodyLimit: config.server.maxBodyBytes,
    requestIdHeader: 'x-request-id',
    // request.ip (rate limits, usage) from X-Forwarded-For through the trusted hops only.
    trustProxy: config.server.trustProxy.length > 0 ? config.server.trustProxy : false,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: false,
    logController: new OneLinePerRequest({ disableRequestLogging: !telemetry }),
  });
  app.setErrorHandler(errorHandler);
  // onClose hooks run after the server stopped and its requests ended; the streams are waited for
  // too, since a stream's turn still runs through the services the runtime closes.
  app.addHook('onClose', async () => {
    await Promise.allSettled([...streams]);
    await runtime.close();
  });
  useZodSchemas(app);
  app.setNotFoundHandler(notFoundHandler);
  await app.register(multipart, { throwFileSizeLimit: false });
  await registerOpenApiDocument(app);

  const defaultTenantId = await ensureTenant(runtime.db, DEFAULT_TENANT);
  const knowledgeBases = new Map<string, Promise<string>>();
  const defaultKb = (tenantId: string) => {
    let kb = knowledgeBases.get(tenantId);
    if (!kb) {
      kb = ensureKnowledgeBase(runtime.db, tenantId);
      kb.catch(() => knowledgeBases.delete(tenantId));
      knowledgeBases.set(tenantId, kb);
    }
    return kb;
  };

  // End users signed in by the operator's identity provider, when one is configured.
  const users = config.oidc ? await createUserSignIn(runtime.db, config.oidc) : undefined;
  const authenticate = createAuthHook(runtime.keys, defaultTenantId, users);
  const widgetAccess = createWidgetAccess(
    runtime.db,
    new VisitorTokens(await loadServerSecret(runtime.db, 'visitor-token')),
    {
      ...(runtime.redis ? { redis: runtime.redis } : {}),
      onFallback: () => runtime.gateway.metrics.limiterFallbacks.inc(),
    },
    users,
  );
  const { gateway } = runtime;
  app.addHook('onRequest', async (request, reply) => {
    request.receivedAt = performance.timeOrigin + performance.now();
    reply.header('x-request-id', request.id);
    const limited = !UNLIMITED_ROUTES.has(request.routeOptions.url ?? '');
    // The address limit comes before auth, so a flood of bad keys never reaches the key hash.
    const byAddress = limited
      ? await gateway.admitRequest({ tenantId: '', keyId: null, ip: request.ip }, ['ip'])
      : undefined;
    await authenticate(request, reply);
    await widgetAccess.check(request, reply);
    request.authMs = performance.timeOrigin + performance.now() - request.receivedAt;
    // Public routes (web assets, CORS preflights) have no caller to count beyond the address.
    if (!limited || !request.principal) return;
    // The user limit counts an end user (or a widget visitor) apart from the key's other users.
    const byCaller = await gateway.admitRequest(callerOf(request), ['key', 'tenant', 'user']);
    const tightest: LimitState | undefined =
      byAddress && byCaller
        ? byAddress.remaining < byCaller.remaining
          ? byAddress
          : byCaller
        : (byAddress ?? byCaller);
    if (tightest) void reply.headers(limitHeaders(tightest));
  });
  // No text Parley stores may hold NUL or a lone surrogate (PostgreSQL cannot): refused at the
  // door, in the body, the path and the query, before any route or background write sees it.
  app.addHook('preValidation', async (request) => {
    if (holdsUnstorable(request.params) || holdsUnstorable(request.query) || holdsUnstorable(request.body)) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        'the request contains text that cannot be stored (a NUL character or an unpaired UTF-16 surrogate)',
      );
    }
  });
  if (telemetry) {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
      metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
  }

  registerScrapeGauges(runtime);
  auditChanges(app, { db: runtime.db, tasks: runtime.tasks });
  // Each area is a plugin given only the services it uses (encapsulated: the hooks above apply).
  const { db, bots, turns, catalog } = runtime;
  const maxMessageChars = config.server.maxMessageChars;
  await app.register(healthRoutes, {
    db,
    vector: runtime.vector,
    rerank: runtime.rerank,
    keywordIndex: runtime.keywordIndex,
    bots,
    catalog,
    metrics,
    operator: createOperatorCheck(config.server.metricsToken, runtime.keys),
    // A separate metrics port (ops-app.ts) takes /metrics off the API port.
    serveMetrics: config.server.metricsPort === undefined,
    metricsToken: config.server.metricsToken,
  });
  await app.register(documentRoutes, {
    db,
    ingestion: runtime.ingestion,
    retriever: runtime.retriever,
    maxUploadBytes: config.server.maxUploadBytes,
    defaultKb,
  });
  // With PARLEY_STREAM_RESUME_SECONDS=0 streams are not kept (and a client leaving ends its turn).
  const resumableStreams = config.server.streamResumeMs > 0 ? runtime.streamLog : undefined;
  await app.register(chatRoutes, {
    db,
    turns,
    isPending: (tenantId, conversationId, userId) => runtime.chat.isPending(tenantId, conversationId, userId),
    maxMessageChars,
    streams,
    decide: (...args) => runtime.chat.decide(...args),
    approvals: runtime.approvals,
    stream: { log: resumableStreams, graceMs: config.server.streamResumeGraceMs },
  });
  await app.register(turnStreamRoutes, {
    db,
    isPending: (tenantId, conversationId, userId) => runtime.chat.isPending(tenantId, conversationId, userId),
    log: resumableStreams,
    metrics,
    streams,
  });
  await app.register(conversationEventRoutes, {
    db,
    events: runtime.conversationEvents,
    isPending: (tenantId, conversationId, userId) => runtime.chat.isPending(tenantId, conversationId, userId),
    maxStreams: config.server.maxEventStreams,
  });
  // These routes delete conversations (or a turn of one): what this process keeps of them goes.
  const conversationRemoved = (conversationId: string) => runtime.chat.conversationRemoved(conversationId);
  await app.register(conversationListRoutes, {
    db,
    conversationRemoved,
    piiPolicyOf: (tenantId, botId) => bots.piiPolicyOf(tenantId, botId),
  });
  await app.register(userDataRoutes, { db, conversationRemoved, memories: runtime.memories });
  await app.register(memoryRoutes, { memories: runtime.memories });
  await app.register(botRoutes, { bots });
  await app.register(handoffRoutes, {
    db,
    conversationChanged: (conversationId) => runtime.chat.conversationChanged(conversationId),
    events: runtime.conversationEvents,
    answerPiiPolicyOf: (tenantId, botId) => bots.answerPiiPolicyOf(tenantId, botId),
  });
  await app.register(curatedRoutes, { curated: runtime.curated });
  await app.register(toolRoutes, { tools: runtime.httpTools });
  await app.register(dashboardRoutes, { db });
  await app.register(feedbackRoutes, { db, feedback: runtime.feedback });
  await app.register(openAiRoutes, { turns, bots, maxMessageChars, streams });
  await app.register(usageRoutes, { db, budgets: runtime.gateway.budgets });
  await app.register(retentionRoutes, {
    db,
    defaultDays: config.jobs.conversationRetentionDays,
    messageDefaultDays: config.jobs.messageRetentionDays,
    trace: { defaultDays: config.jobs.traceRetentionDays, maxDays: config.jobs.traceRetentionMaxDays },
    usageDetail: {
      defaultDays: config.jobs.usageDetailRetentionDays,
      maxDays: config.jobs.usageDetailRetentionMaxDays,
    },
  });
  await app.register(keyRoutes, { db, keys: runtime.keys });
  await app.register(auditRoutes, { db });
  widgetAccess.routes(app);
  await apiDocsRoutes(app);
  await webRoutes(app);
  await app.ready();

  return {
    app,
    metrics,
    async close() {
      const grace = config.server.shutdownGraceMs;
      const closing = app.close();
      await Promise.race([
        Promise.allSettled([closing, ...streams]),
        new Promise((resolve) => setTimeout(resolve, grace).unref()),
      ]);
    },
  };
}
