// Liveness, readiness (dependencies reachable, search capabilities) and Prometheus metrics.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MemoryKeywordRetriever, VectorStatus } from '../../knowledge/index.js';
import type { ModelCatalog } from '../../models/index.js';
import type { Bots } from '../../orchestrator/index.js';
import type { Database } from '../../storage/index.js';
import type { Metrics } from '../../telemetry/index.js';
import { errorResponses, TAGS } from './http-schemas.js';

const tags = [TAGS.operations];

const readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  database: z.object({ kind: z.string(), reachable: z.boolean() }),
  retrieval: z
    .object({ keyword: z.string(), vector: z.boolean(), mode: z.enum(['hybrid', 'keyword-only']) })
    .describe('How questions find passages: keyword search, and vectors when embeddings are set'),
  models: z
    .object({ chain: z.array(z.string()) })
    .describe('The default model chain; empty: answers are extractive, cited passages'),
  notes: z.array(z.string()),
});

export interface HealthRoutesOptions {
  db: Database;
  vector: VectorStatus;
  keywordIndex: Pick<MemoryKeywordRetriever, 'status'>;
  bots: Pick<Bots, 'defaults'>;
  catalog: Pick<ModelCatalog, 'states'>;
  metrics: Metrics;
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  const { metrics } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/healthz',
    {
      schema: {
        tags,
        summary: 'Liveness: the process answers',
        response: { 200: z.object({ status: z.literal('ok') }), ...errorResponses },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  api.get(
    '/readyz',
    {
      schema: {
        tags,
        summary: 'Readiness: the database answers; what retrieval and models are set up',
        response: {
          200: readiness.describe('Ready'),
          503: readiness.describe('The database does not answer'),
          ...errorResponses,
        },
      },
    },
    async (_request, reply) => {
      const { db } = options;
      const databaseUp = await db.ping();
      const keyword = db.features.bm25
        ? 'bm25'
        : 'fulltext (IDF-weighted, ts_rank_cd; pg_textsearch missing)';
      const body = {
        status: databaseUp ? ('ready' as const) : ('unavailable' as const),
        database: { kind: db.kind, reachable: databaseUp },
        retrieval: {
          keyword,
          vector: options.vector.enabled,
          mode: options.vector.enabled ? ('hybrid' as const) : ('keyword-only' as const),
          ...(options.vector.model
            ? { embeddings: options.vector.model, dimensions: options.vector.dimensions }
            : {}),
          note: options.vector.note,
          // In-memory copies of the tenants' chunks that answer keyword search before the database.
          keyword_memory: options.keywordIndex.status(),
        },
        models:
          options.bots.defaults.models.length > 0
            ? {
                chain: options.bots.defaults.models,
                escalation: options.bots.defaults.escalation_models,
                circuits: options.catalog.states(),
              }
            : { chain: [], note: 'no model configured: answers are extractive, cited passages' },
        notes: db.features.notes,
      };
      return reply.status(databaseUp ? 200 : 503).send(body);
    },
  );

  api.get(
    '/metrics',
    {
      schema: {
        tags,
        summary: 'Prometheus metrics (text exposition format)',
        response: {
          200: {
            description: 'The metrics',
            content: { 'text/plain': { schema: z.string() } },
          },
          ...errorResponses,
        },
      },
    },
    async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
