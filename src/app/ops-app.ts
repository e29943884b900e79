// The operations listener (PARLEY_METRICS_PORT): /healthz, /readyz and /metrics on a port of their
// own, for Prometheus and probes on a network the API port does not share. `parley serve` runs it
// beside the API; `parley worker`, which has no API, answers its probes and scrapes only here.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  createOperatorCheck,
  errorHandler,
  healthRoutes,
  notFoundHandler,
  useZodSchemas,
} from '../server/index.js';
import type { Runtime } from './runtime.js';
import { registerScrapeGauges } from './scrape-gauges.js';

export async function createOpsApp(runtime: Runtime): Promise<FastifyInstance> {
  const { config } = runtime;
  const app = Fastify({
    loggerInstance: runtime.log as FastifyBaseLogger,
    disableRequestLogging: true,
    return503OnClosing: true,
  });
  app.setErrorHandler(errorHandler);
  useZodSchemas(app);
  app.setNotFoundHandler(notFoundHandler);
  // Already there when the API app of this process registered them.
  registerScrapeGauges(runtime);
  const token = config.server.metricsToken;
  await app.register(healthRoutes, {
    db: runtime.db,
    vector: runtime.vector,
    rerank: runtime.rerank,
    keywordIndex: runtime.keywordIndex,
    bots: runtime.bots,
    catalog: runtime.catalog,
    metrics: runtime.metrics,
    // Without a token, whoever reaches this port is the operator: keep it off public networks.
    operator: createOperatorCheck(token, runtime.keys, { everyone: true }),
    serveMetrics: true,
    metricsToken: token,
  });
  await app.ready();
  return app;
}
