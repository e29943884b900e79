// Liveness, readiness and Prometheus metrics: the operations routes. The probes answer without a
// key (a Kubernetes probe has none) and tell a caller who is not the operator only whether each
// check passed; /metrics is the operator's alone (operator-access.ts): a tenant's key never opens it.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ParleyError } from '../../errors/index.js';
import type { MemoryKeywordRetriever, RerankingRetriever, VectorStatus } from '../../knowledge/index.js';
import type { ModelCatalog } from '../../models/index.js';
import type { Bots } from '../../orchestrator/index.js';
import { checkSchema, type Database } from '../../storage/index.js';
import type { Metrics } from '../../telemetry/index.js';
import type { OperatorCheck } from '../operator-access.js';
import { errorResponses, TAGS } from './http-schemas.js';

const tags = [TAGS.operations];
const check = z.enum(['ok', 'fail']);

const readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z
    .object({ database: check, migrations: check, indexes: check, keyword_index: check })
    .describe(
      'The database answers, every migration of this build is applied, the search indexes exist, the in-memory keyword index has loaded what the database held at start-up',
    ),
  database: z.object({ kind: z.string(), reachable: z.boolean() }).optional(),
  retrieval: z
    .object({ keyword: z.string(), vector: z.boolean(), mode: z.enum(['hybrid', 'keyword-only']) })
    .optional()
    .describe('How questions find passages: keyword search, and vectors when embeddings are set'),
  models: z
    .object({ chain: z.array(z.string()) })
    .optional()
    .describe('The default model chain; empty: answers are extractive, cited passages'),
  notes: z.array(z.string()).optional(),
});

export interface HealthRoutesOptions {
  db: Database;
  vector: VectorStatus;
  /** The rerank stage, when one is configured. */
  rerank: Pick<RerankingRetriever, 'status'> | undefined;
  keywordIndex: Pick<MemoryKeywordRetriever, 'status' | 'ready'>;
  bots: Pick<Bots, 'defaults'>;
  catalog: Pick<ModelCatalog, 'states'>;
  metrics: Metrics;
  /** Whether a request may see /readyz's details (models, retrieval, notes). */
  operator: OperatorCheck;
  /** Serve /metrics here (false on an API port when a separate metrics port serves it). */
  serveMetrics: boolean;
  /** PARLEY_METRICS_TOKEN (for the refusal's message: the check itself is `operator`). */
  metricsToken: string | undefined;
}

const ok = (passed: boolean) => (passed ? ('ok' as const) : ('fail' as const));

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  const { metrics, db } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Liveness: the process answers (no key needed)',
        response: { 200: z.object({ status: z.literal('ok') }), ...errorResponses },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  api.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags,
        summary:
          'Readiness: the database answers, migrations applied, indexes present (no key needed; details for the operator)',
        response: {
          200: readiness.describe('Ready'),
          503: readiness.describe('A check failed'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const databaseUp = await db.ping();
      const schema = databaseUp
        ? await checkSchema(db, { bm25: db.features.bm25 }).catch(() => ({
            migrations: false,
            indexes: false,
          }))
        : { migrations: false, indexes: false };
      // Until the keyword index has loaded, the database would rank (differently): no traffic yet.
      const keywordLoaded = options.keywordIndex.ready();
      const ready = databaseUp && schema.migrations && schema.indexes && keywordLoaded;
      const summary = {
        status: ready ? ('ready' as const) : ('unavailable' as const),
        checks: {
          database: ok(databaseUp),
          migrations: ok(schema.migrations),
          indexes: ok(schema.indexes),
          keyword_index: ok(keywordLoaded),
        },
      };
      reply.status(ready ? 200 : 503);
      if (!(await options.operator(request))) return reply.send(summary);
      const keyword = db.features.bm25
        ? 'bm25'
        : 'fulltext (IDF-weighted, ts_rank_cd; pg_textsearch missing)';
      const details = {
        ...summary,
        database: { kind: db.kind, reachable: databaseUp },
        retrieval: {
          keyword,
          vector: options.vector.enabled,
          mode: options.vector.enabled ? ('hybrid' as const) : ('keyword-only' as const),
          ...(options.vector.model
            ? { embeddings: options.vector.model, dimensions: options.vector.dimensions }
            : {}),
          note: options.vector.note,
          // The reranker reorders the best fused passages; null: the fused order stands.
          rerank: options.rerank?.status() ?? null,
          // In-memory copies of the tenants' chunks that answer keyword search before the database.
          keyword_memory: options.keywordIndex.status(),
        },
        // Every model in use, the ones tenants' bots name too: for the operator only.
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
      return reply.send(details);
    },
  );

  if (!options.serveMetrics) return;
  const { metricsToken } = options;
  api.get(
    '/metrics',
    {
      // The metrics describe every tenant (their token and cost series, their models): only the
      // operator reads them, never a tenant's API key, whatever its scopes (checked below).
      config: { public: true },
      onRequest: async (request) => {
        if (await options.operator(request)) return;
        throw new ParleyError(
          'PARLEY_ERR_UNAUTHORIZED',
          metricsToken === undefined
            ? "metrics are for the operator, not a tenant's API key: set PARLEY_METRICS_TOKEN and send Authorization: Bearer <token>, or scrape PARLEY_METRICS_PORT"
            : "metrics need the operator's metrics token: send Authorization: Bearer <token>",
        );
      },
      schema: {
        tags,
        summary: 'Prometheus metrics (text exposition format)',
        description:
          "For the operator only: the metrics token (`Authorization: Bearer <token>`, PARLEY_METRICS_TOKEN), or a loopback client while no key exists. A tenant's API key never opens it (it holds every tenant's series).",
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
      return metrics.exposition();
    },
  );
};
