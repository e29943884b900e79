// Liveness, readiness (dependencies reachable, search capabilities) and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../app/runtime.js';
import type { Metrics } from '../../telemetry/index.js';

export function healthRoutes(app: FastifyInstance, runtime: Runtime, metrics: Metrics) {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const { db } = runtime;
    const databaseUp = await db.ping();
    const keyword = db.features.bm25 ? 'bm25' : 'fulltext (IDF-weighted, ts_rank_cd; pg_textsearch missing)';
    const body = {
      status: databaseUp ? 'ready' : 'unavailable',
      database: { kind: db.kind, reachable: databaseUp },
      retrieval: {
        keyword,
        vector: runtime.vector.enabled,
        mode: runtime.vector.enabled ? 'hybrid' : 'keyword-only',
        ...(runtime.vector.model
          ? { embeddings: runtime.vector.model, dimensions: runtime.vector.dimensions }
          : {}),
        note: runtime.vector.note,
        // In-memory copies of the tenants' chunks that answer keyword search before the database.
        keyword_memory: runtime.keywordIndex.status(),
      },
      models:
        runtime.bots.defaults.models.length > 0
          ? {
              chain: runtime.bots.defaults.models,
              escalation: runtime.bots.defaults.escalation_models,
              circuits: runtime.catalog.states(),
            }
          : { chain: [], note: 'no model configured: answers are extractive, cited passages' },
      notes: db.features.notes,
    };
    return reply.status(databaseUp ? 200 : 503).send(body);
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
