// The HTTP app: Fastify with one error shape, request ids in the logs, body limits, auth on
// every route, and the routes of the stable surface. `createApp` takes a built Runtime so tests
// and the CLI share one construction path.
import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { ensureKnowledgeBase } from '../knowledge/index.js';
import { createMetrics, type Metrics } from '../telemetry/index.js';
import { ensureTenant } from './auth/api-keys.js';
import { createAuthHook } from './auth/authenticate.js';
import { errorHandler } from './error-handler.js';
import { botRoutes } from './routes/bot-routes.js';
import { chatRoutes } from './routes/chat-routes.js';
import { dashboardRoutes } from './routes/dashboard-routes.js';
import { documentRoutes } from './routes/document-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { openAiRoutes } from './routes/openai-routes.js';
import { webRoutes } from './routes/web-routes.js';
import type { Runtime } from './runtime.js';
import { createWidgetAccess, loadServerSecret, VisitorTokens } from './widget/index.js';

/** The tenant that loopback clients act as while no API key exists. */
export const DEFAULT_TENANT = 'default';

export interface ParleyApp {
  app: FastifyInstance;
  metrics: Metrics;
  /** Stops accepting requests and waits (up to the grace period) for in-flight ones and streams. */
  close(): Promise<void>;
}

export async function createApp(runtime: Runtime): Promise<ParleyApp> {
  const { config, log } = runtime;
  const metrics = createMetrics();
  const streams = new Set<Promise<void>>();
  const app: FastifyInstance = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.PARLEY_MAX_BODY_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: false,
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({
      error: {
        code: 'PARLEY_ERR_NOT_FOUND',
        message: `no route for ${request.method} ${request.url.split('?')[0]}`,
      },
    });
  });
  await app.register(multipart, { throwFileSizeLimit: false });

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

  const authenticate = createAuthHook(runtime.keys, defaultTenantId);
  const widgetAccess = createWidgetAccess(
    runtime.db,
    new VisitorTokens(await loadServerSecret(runtime.db, 'visitor-token')),
  );
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    await authenticate(request, reply);
    await widgetAccess.check(request, reply);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  const { catalog } = runtime;
  const level = { closed: 0, 'half-open': 1, open: 2, isolated: 2 } as const;
  new Gauge({
    name: 'parley_model_circuit_state',
    help: 'Circuit breaker state per model: 0 closed, 1 half-open, 2 open',
    labelNames: ['model'],
    registers: [metrics.registry],
    collect() {
      for (const { model, state } of catalog.states()) this.set({ model }, level[state]);
    },
  });
  healthRoutes(app, runtime, metrics);
  documentRoutes(app, runtime, defaultKb);
  chatRoutes(app, runtime, metrics, streams);
  botRoutes(app, runtime);
  dashboardRoutes(app, runtime);
  openAiRoutes(app, runtime, metrics, streams);
  widgetAccess.routes(app);
  await webRoutes(app);
  await app.ready();

  return {
    app,
    metrics,
    async close() {
      const grace = config.PARLEY_SHUTDOWN_GRACE_SECONDS * 1000;
      metrics.stop();
      const closing = app.close();
      await Promise.race([
        Promise.allSettled([closing, ...streams]),
        new Promise((resolve) => setTimeout(resolve, grace).unref()),
      ]);
    },
  };
}
