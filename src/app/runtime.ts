// Builds everything a Parley process needs once, at start-up, from the config: the database,
// the ingestion pool and runner, the retriever and the chat pipeline. Each service is registered
// with the lifecycle as it is created, so closing (or a failed start) closes them in reverse order.

import { USAGE_RETENTION_EVERY_MS, UsageRetention } from '../accounting/index.js';
import { type Config, settingNames } from '../config/index.js';
import { KeyVerifier } from '../edge/auth/api-keys.js';
import { Gateway, recordAudit } from '../edge/index.js';
import { TurnGate } from '../edge/turn-gate.js';
import { isParleyError, ParleyError } from '../errors/index.js';
import { defaultSemanticHead, GuardSet, ModelGuard, SemanticInjectionStage } from '../guard/index.js';
import {
  BackgroundTasks,
  TRACE_RETENTION_EVERY_MS,
  TraceRetention,
  WebhookDeliveries,
} from '../jobs/index.js';
import {
  CachedRetriever,
  createReranker,
  EmbeddingBackfill,
  FIELD_WEIGHTS,
  HybridRetriever,
  Ingestion,
  IngestPool,
  KeywordRetriever,
  MemoryKeywordRetriever,
  type QueryEmbedder,
  RerankingRetriever,
  type Retriever,
  SharedQueryEmbedder,
  VectorRetriever,
  type VectorStatus,
} from '../knowledge/index.js';
import { createEmbedder, ModelCatalog } from '../models/index.js';
import {
  AnswerCache,
  type BotDefaults,
  Bots,
  ChatService,
  CONVERSATION_RETENTION_EVERY_MS,
  ConversationEvents,
  ConversationRetention,
  CuratedAnswers,
  createStreamLog,
  defaultIntentClassifier,
  forgetErasures,
  MEMORY_SWEEP_EVERY_MS,
  registerPrompt,
  SERVER_PROMPT,
  type StreamLog,
  SummaryJobs,
  SYSTEM_PROMPT,
  ToolApprovals,
  TurnFeedback,
  TurnRunner,
  TurnToolMaker,
  UserMemories,
  updateSummary,
} from '../orchestrator/index.js';
import {
  connectRedis,
  type Database,
  ensureVectorTable,
  type OpenOptions,
  openDatabase,
  type RedisConnection,
  withMigrationLock,
} from '../storage/index.js';
import {
  clusterExposition,
  createMetrics,
  createTracing,
  type Logger,
  type Metrics,
  type Tracing,
} from '../telemetry/index.js';
import { McpToolSource, SecretBox, TenantHttpTools, Toolbox, ToolCatalog } from '../tools/index.js';
import { Lifecycle } from './lifecycle.js';

export interface Runtime {
  config: Config;
  log: Logger;
  db: Database;
  ingestion: Ingestion;
  /** Hybrid (or keyword-only) retrieval behind a cache; `invalidate` after a tenant's documents change. */
  retriever: CachedRetriever;
  chat: ChatService;
  /** Every piece of background work: writes after the response, accounting, sweeps. */
  tasks: BackgroundTasks;
  /** The shared Redis (REDIS_URL), when configured: one client for every layer that needs it. */
  redis: RedisConnection | undefined;
  /** Verifies API keys (cached; revocations elsewhere seen within KEY_POLL_MS) and notes their use. */
  keys: KeyVerifier;
  /** Rate limits, budgets and the accounting of turns (usage, cost). */
  gateway: Gateway;
  /** How many turns are answered at once; the others wait in line. */
  turnGate: TurnGate;
  /** Each tenant's bots; the default bot uses the configured models (PARLEY_MODELS). */
  bots: Bots;
  /** Each bot's curated question -> answer pairs, and the matcher a turn may ask. */
  curated: CuratedAnswers;
  /** Each tenant's HTTP tools and tool secrets (the API's store, and a source of bots' tools). */
  httpTools: TenantHttpTools;
  /** Actions of bots' tools waiting for a decision. */
  approvals: ToolApprovals;
  /** Users' ratings of the bots' answers. */
  feedback: TurnFeedback;
  /** End users' long-term memories (taken from turns, recalled into them, theirs to edit). */
  memories: UserMemories;
  /** Every chat model in use, shared by all bots (clients, circuit breakers). */
  catalog: ModelCatalog;
  /** Vector search state, for /readyz. */
  vector: VectorStatus;
  /** The rerank stage when PARLEY_RERANK sets one (for /readyz). */
  rerank: RerankingRetriever | undefined;
  /** Keyword search over in-memory copies of the tenants' chunks, in front of the database's. */
  keywordIndex: MemoryKeywordRetriever;
  /** Embeds chunks in the background when embeddings are configured (server processes only). */
  embeddings: EmbeddingBackfill | undefined;
  /** OpenTelemetry: a span per turn and stage, exported when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing: Tracing;
  /** Prometheus metrics of this process (served at /metrics by a server). */
  metrics: Metrics;
  /** The one owner of every turn, whichever front end asks (HTTP, OpenAI shape, CLI, evaluation). */
  turns: TurnRunner;
  /** A person's replies and hand backs, told to the chat pages watching (across replicas with Redis). */
  conversationEvents: ConversationEvents;
  /** Streamed answers kept for resumption (in Redis when configured, so any replica resumes them). */
  streamLog: StreamLog;
  /** Deletes conversations past their tenant's retention period (swept by the lead server process). */
  conversationRetention: ConversationRetention;
  traceRetention: TraceRetention;
  usageRetention: UsageRetention;
  /**
   * Closes every service in the reverse of the order they were created in: background loops and
   * ingestion stop, pending writes drain, then Redis and the database close. Idempotent.
   */
  close(): Promise<void>;
}

export interface RuntimeOptions extends OpenOptions {
  /**
   * Run queued jobs in this process (the server does; one-shot commands do not). false: a server
   * without background work, which also leaves conversation summaries to a process with it.
   */
  runJobs?: boolean;
  /**
   * Where keyword search runs: 'memory' keeps in-memory copies of the tenants' chunks (up to
   * PARLEY_KEYWORD_MEMORY_CHUNKS) in front of the database; default 'memory' for a server
   * process, 'database' for one-shot commands.
   */
  keywordIndex?: 'memory' | 'database';
  /**
   * This process is one worker of a `parley serve --workers N` cluster: /metrics serves them all.
   * The lead worker also does what the database's owner would (the primary owns an embedded one):
   * trace retention, creating the embeddings table.
   */
  clusterWorker?: 'lead' | 'member';
  /** The semantic injection stage to use with PARLEY_GUARD_SEMANTIC=on instead of a new one (tests fake its encoder). */
  semanticStage?: SemanticInjectionStage;
}

export async function createRuntime(
  config: Config,
  log: Logger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const lifecycle = new Lifecycle(log.child({ component: 'lifecycle' }));
  try {
    return await openRuntime(config, log, options, lifecycle);
  } catch (error) {
    // A failed start closes what had opened; a close that fails too is logged by the lifecycle.
    await lifecycle.close().catch(() => {});
    throw error;
  }
}

async function openRuntime(
  config: Config,
  log: Logger,
  options: RuntimeOptions,
  lifecycle: Lifecycle,
): Promise<Runtime> {
  // Created first so that it closes last: it exports the spans of everything closing before it.
  const tracing = createTracing(config.telemetry);
  lifecycle.onClose('tracing', () =>
    tracing.shutdown().catch((error: unknown) => log.warn({ err: error }, 'span export failed')),
  );
  const db = await openDatabase(config.storage, log, options);
  lifecycle.onClose('database', () => db.close());
  const ingestPool = new IngestPool(config.ingestion.threads, db.connection, undefined, {
    ...FIELD_WEIGHTS,
    opening: config.ingestion.pageOpening,
    maxLinkDensity: config.ingestion.maxLinkDensity,
  });
  lifecycle.onClose('ingest-pool', () => ingestPool.close());
  const { retrievers, vector, embeddings, keywordIndex, queryEmbedder } = await buildRetrievers(
    config,
    db,
    log,
    options,
  );
  const fused = new HybridRetriever(retrievers, (name, error) =>
    log.warn({ err: error, retriever: name }, 'retriever failed; answering from the others'),
  );
  const { rerank } = config.retrieval;
  const reranker = blame(settingNames.rerank, () => createReranker(rerank.reranker, config.models.providers));
  const reranking = reranker && new RerankingRetriever(fused, reranker, rerank);
  // Outside the rerank stage: a repeated question skips the reranker too.
  const retriever = new CachedRetriever(reranking ?? fused, { ttlMs: config.retrieval.cacheTtlMs });
  const ingestion = new Ingestion(
    db,
    ingestPool,
    log.child({ component: 'ingestion' }),
    {
      concurrency: options.runJobs ? config.ingestion.concurrency : 0,
      // An embedded database has one owner process: whatever it left running was interrupted.
      staleSeconds: db.kind === 'embedded' && db.manages ? 0 : 60,
    },
    (tenantId) => {
      retriever.invalidate(tenantId);
      embeddings?.poke();
    },
  );
  const redis = await connectRedis(config.redisUrl, log.child({ component: 'redis' }));
  lifecycle.onClose('redis', () => redis?.close());
  const conversationEvents = new ConversationEvents(redis, log.child({ component: 'conversation-events' }));
  lifecycle.onClose('conversation-events', () => conversationEvents.close());
  const streamLog = createStreamLog(
    redis,
    config.server.streamResumeMs,
    log.child({ component: 'stream-log' }),
  );
  lifecycle.onClose('stream-log', () => streamLog.close());
  // After what its tasks write to (the database, Redis), so the drain runs before those close, and
  // after every producer registered below has stopped.
  const tasks = new BackgroundTasks(log.child({ component: 'background' }));
  lifecycle.onClose('background-tasks', () => tasks.drain());
  // Before the drain: stops its polls and writes the last-used times still pending.
  const keys = new KeyVerifier(db);
  lifecycle.onClose('keys', () => keys.stop());
  keys.start(tasks);
  const { models, moderation } = config;
  const semantic = config.semanticGuard.enabled
    ? (options.semanticStage ?? semanticStage(config, log, lifecycle))
    : undefined;
  const catalog = new ModelCatalog(
    models.providers,
    {
      firstTokenTimeoutMs: models.firstTokenTimeoutMs,
      totalTimeoutMs: models.totalTimeoutMs,
      // Answer text is handed on once per flush interval: the guard, the record and the stream's
      // events run per interval, not per token.
      paceMs: config.server.streamFlushMs,
    },
    models.maxModels,
  );
  const defaults: BotDefaults = {
    models: models.chain,
    escalation_models: models.escalationChain,
    escalation: {
      query_tokens: config.bots.escalation.queryTokens,
      conversation_messages: config.bots.escalation.conversationMessages,
      below_coverage: config.bots.escalation.belowCoverage,
    },
    system_prompt: config.bots.systemPrompt ?? SYSTEM_PROMPT,
    min_relevance: config.bots.minRelevance,
    top_k: config.retrieval.topK,
    context_tokens: config.bots.contextTokens,
    max_answer_tokens: config.bots.maxAnswerTokens,
    answer_cache: config.bots.answerCache.ttlMs > 0,
  };
  // The configured models are created now, so a misconfigured provider stops start-up.
  if (models.chain.length > 0) {
    blame(settingNames.chain, () => catalog.chain(models.chain));
    if (models.escalationChain.length > 0) {
      blame(settingNames.escalationChain, () => catalog.chain([...models.escalationChain, ...models.chain]));
    }
  }
  await registerPrompt(db, defaults.system_prompt, SERVER_PROMPT);
  const gateway = new Gateway(config.gateway, db, tasks, log.child({ component: 'gateway' }), redis);
  const bots = new Bots(
    db,
    catalog,
    defaults,
    log.child({ component: 'bots' }),
    (refs) => gateway.prices.cheapest(refs),
    models.tenantChoices,
    models.tenantMaxModels,
  );
  // Where bots' tools come from besides the built-in knowledge search (docs/tools.md).
  const httpTools = new TenantHttpTools(db, {
    hosts: config.tools.hosts,
    ...(config.tools.secretsKey ? { box: new SecretBox(config.tools.secretsKey) } : {}),
  });
  const toolLog = log.child({ component: 'tools' });
  const operatorTools = config.tools.httpTools.length
    ? [{ source: blame(settingNames.httpTools, () => httpTools.operatorTools(config.tools.httpTools)) }]
    : [];
  const toolCatalog = new ToolCatalog(
    [
      ...operatorTools,
      ...config.tools.mcpServers.map((server) => ({
        source: new McpToolSource(server, {
          requestTimeoutMs: 5_000,
          onStderr: (line) => toolLog.debug({ server: server.name, line }, 'mcp server stderr'),
          onError: (error) => toolLog.warn({ server: server.name, err: error }, 'mcp server fault'),
        }),
        ...(server.tenants ? { tenants: server.tenants } : {}),
      })),
    ],
    httpTools,
  );
  lifecycle.onClose('tools', () => toolCatalog.close());
  const approvals = new ToolApprovals(db);
  const feedback = new TurnFeedback(db, bots);
  bots.start(tasks);
  lifecycle.onClose('bots', () => bots.stop());
  gateway.budgets.start(tasks);
  lifecycle.onClose('budgets', () => gateway.budgets.stop());
  const curated = new CuratedAnswers(db, { assertBot: (tenantId, botId) => bots.get(tenantId, botId) });
  // A change another process made to a tenant's curated answers or tools bumps its bot generation.
  bots.follow(curated);
  bots.follow(httpTools);
  const memories = new UserMemories(
    db,
    tasks,
    config.bots.memory,
    log.child({ component: 'memories' }),
    (tenantId, botId) => bots.piiPolicyOf(tenantId, botId),
  );
  const chat = new ChatService({
    db,
    memories,
    retriever,
    tasks,
    bots,
    curated,
    conversationCacheEntries: config.bots.conversationCacheEntries,
    writeGroupMs: config.server.writeGroupMs,
    // A server started without background work leaves summaries to one with it (summary jobs);
    // a command (`parley chat`) writes its own.
    queueSummaries: options.runJobs === false,
    ...(config.jobs.handoffWebhook
      ? { handoffEvents: { maxAttempts: config.jobs.handoffWebhook.maxAttempts } }
      : {}),
    understandTimeoutMs: config.bots.understandTimeoutMs,
    tools: new TurnToolMaker({
      catalog: toolCatalog,
      toolbox: new Toolbox({
        defaultTimeoutMs: config.tools.defaultTimeoutMs,
        maxResultChars: config.tools.maxResultChars,
        concurrency: config.tools.concurrency,
      }),
      retriever,
      approvals,
    }),
    approvals,
    // Loaded now (its weights are parsed once), not on the first turn.
    intents: defaultIntentClassifier(),
    answers: new AnswerCache({
      ...config.bots.answerCache,
      generationOf: (tenantId) => retriever.generation(tenantId),
      ...(queryEmbedder ? { embedder: queryEmbedder } : {}),
    }),
    guards: new GuardSet({
      ...(moderation.model
        ? {
            moderation: new ModelGuard(
              blame(settingNames.moderation, () => catalog.chain([moderation.model!])),
              moderation,
            ),
          }
        : {}),
      ...(semantic ? { semantic } : {}),
    }),
  });
  const turnGate = new TurnGate({
    maxActive: config.turnGate.maxActive,
    adaptive: { targetDelayMs: config.turnGate.targetDelayMs },
    queueTimeoutMs: config.turnGate.queueTimeoutMs,
    pendingWrites: () => tasks.writes,
    maxPendingWrites: config.turnGate.maxPendingWrites,
  });
  lifecycle.onClose('turn-gate', () => turnGate.close());
  tasks.onSettled(() => turnGate.recheck());
  const metrics = createMetrics(
    config.telemetry.enabled,
    options.clusterWorker
      ? (registry) =>
          clusterExposition(registry, (error) => log.warn({ err: error }, 'a scrape served one worker only'))
      : undefined,
  );
  lifecycle.onClose('metrics', () => metrics.stop());
  if (metrics.enabled) tasks.registerMetrics(metrics.registry);
  for (const metric of gateway.metrics.all()) metrics.registry.registerMetric(metric);
  if (metrics.enabled) turnGate.registerMetrics(metrics.registry);
  if (metrics.enabled) reranking?.registerMetrics(metrics.registry);
  const turns = new TurnRunner({
    chat,
    gateway,
    gate: turnGate,
    metrics,
    tracing,
    ackWaitMs: config.server.ackWaitMs,
    memories,
  });
  const retention = new TraceRetention(
    db,
    { defaultDays: config.jobs.traceRetentionDays, maxDays: config.jobs.traceRetentionMaxDays },
    log.child({ component: 'trace-retention' }),
  );
  const usageRetention = new UsageRetention(
    db,
    { defaultDays: config.jobs.usageDetailRetentionDays, maxDays: config.jobs.usageDetailRetentionMaxDays },
    log.child({ component: 'usage-retention' }),
  );
  // One audit entry per tenant and sweep, counting what went (the tenant sees its data expire).
  const auditExpiry =
    (action: string) =>
    ({ tenantId, days, cutoff, report }: { tenantId: string; days: number; cutoff: Date; report: object }) =>
      db
        .forTenant(tenantId)
        .transaction((client) =>
          recordAudit(
            client,
            tenantId,
            { keyId: null, via: 'job' },
            { action, details: { days, cutoff: cutoff.toISOString(), ...report } },
          ),
        );
  const conversationRetention = new ConversationRetention(
    db,
    {
      defaultDays: config.jobs.conversationRetentionDays,
      messageDefaultDays: config.jobs.messageRetentionDays,
      onDeleted: (ids) => {
        for (const id of ids) chat.conversationRemoved(id);
      },
      onExpired: auditExpiry('conversations.expired'),
      onMessagesExpired: auditExpiry('messages.expired'),
    },
    log.child({ component: 'conversation-retention' }),
  );
  if (metrics.enabled) {
    conversationRetention.registerMetrics(metrics.registry);
    retention.registerMetrics(metrics.registry);
    usageRetention.registerMetrics(metrics.registry);
  }
  // Registered after the drain, so each stops (its loops, its work in progress) before it.
  lifecycle.onClose('ingestion', () => ingestion.stop());
  await ingestion.start(tasks);
  if (options.runJobs && config.jobs.handoffWebhook) {
    const webhooks = new WebhookDeliveries(
      db,
      config.jobs.handoffWebhook,
      log.child({ component: 'webhooks' }),
    );
    if (metrics.enabled) webhooks.registerMetrics(metrics.registry);
    lifecycle.onClose('webhooks', () => webhooks.stop());
    // An embedded database has one owner process: whatever it left sending was interrupted.
    await webhooks.start(tasks, db.kind === 'embedded' && db.manages ? 0 : 90);
  }
  lifecycle.onClose('keyword-index', () => keywordIndex.stop());
  keywordIndex.start(tasks);
  if (options.runJobs && (db.manages || options.clusterWorker === 'lead')) {
    // Stopped by the drain.
    tasks.loop('trace-retention', () => retention.sweep(), {
      everyMs: TRACE_RETENTION_EVERY_MS,
      firstAfterMs: 10_000,
    });
    tasks.loop('memory-retention', () => memories.sweep(), {
      everyMs: MEMORY_SWEEP_EVERY_MS,
      firstAfterMs: 10_000,
    });
    tasks.loop(
      'conversation-retention',
      async () => {
        await conversationRetention.sweep();
        await conversationRetention.sweepMessages();
        await forgetErasures(db);
      },
      {
        everyMs: CONVERSATION_RETENTION_EVERY_MS,
        firstAfterMs: 20_000,
      },
    );
    tasks.loop('usage-retention', () => usageRetention.sweep(), {
      everyMs: USAGE_RETENTION_EVERY_MS,
      firstAfterMs: 30_000,
    });
  }
  if (options.runJobs) {
    const summaries = new SummaryJobs(
      db,
      async (tenantId, botId, conversationId) => {
        const bot = await bots.resolveIfKept(tenantId, botId);
        await updateSummary(db, bot?.router?.defaultChain, tenantId, conversationId);
      },
      log.child({ component: 'summaries' }),
    );
    lifecycle.onClose('summaries', () => summaries.stop());
    summaries.start(tasks);
  }
  if (options.runJobs && embeddings) {
    lifecycle.onClose('embeddings', () => embeddings.stop());
    embeddings.start(tasks);
  }
  return {
    config,
    log,
    db,
    ingestion,
    retriever,
    chat,
    tasks,
    redis,
    keys,
    gateway,
    turnGate,
    bots,
    curated,
    httpTools,
    approvals,
    feedback,
    memories,
    catalog,
    vector,
    rerank: reranking,
    keywordIndex,
    embeddings,
    tracing,
    metrics,
    turns,
    conversationEvents,
    streamLog,
    conversationRetention,
    traceRetention: retention,
    usageRetention,
    close: () => lifecycle.close(),
  };
}

/**
 * Keyword search always; vector search too when PARLEY_EMBEDDINGS is set, the database has
 * pgvector and the embedding model answers at start-up. Anything missing degrades to
 * keyword-only, logged and reported by /readyz, instead of stopping the server.
 */
async function buildRetrievers(
  config: Config,
  db: Database,
  log: Logger,
  options: RuntimeOptions,
): Promise<{
  retrievers: Retriever[];
  vector: VectorStatus;
  embeddings: EmbeddingBackfill | undefined;
  keywordIndex: MemoryKeywordRetriever;
  /** Embeds a turn's question once for whoever needs it (vector search, the semantic answer cache). */
  queryEmbedder?: QueryEmbedder;
}> {
  const keywordLog = log.child({ component: 'keyword-index' });
  // Processes that only run one command (not the server) keep no copy: the database answers.
  const keywordIndex = new MemoryKeywordRetriever(db, new KeywordRetriever(db), {
    maxChunks:
      (options.keywordIndex ?? (options.runJobs ? 'memory' : 'database')) === 'memory'
        ? config.retrieval.keywordMemoryChunks
        : 0,
    bm25: config.retrieval.bm25,
    onError: (error, tenantId) =>
      keywordLog.warn(
        { err: error, tenant: tenantId },
        'in-memory keyword index could not catch up; the database answers',
      ),
  });
  const keyword: Retriever = keywordIndex;
  const keywordOnly = (note: string) => ({
    retrievers: [keyword],
    vector: { enabled: false, note },
    embeddings: undefined,
    keywordIndex,
  });
  const { embeddings: embeddingModel, providers } = config.models;
  const embedder = blame(settingNames.embeddings, () => createEmbedder(embeddingModel, providers));
  if (!embedder)
    return keywordOnly(`${settingNames.embeddings} is not set: retrieval is keyword-only (BM25)`);
  if (!db.features.vector) {
    const note = `${settingNames.embeddings} is set but the database has no pgvector: retrieval is keyword-only`;
    log.warn(note);
    return keywordOnly(note);
  }
  let dimensions: number;
  try {
    dimensions = await embedder.probeDimensions();
  } catch (error) {
    const note = `embedding model ${embedder.modelId} did not answer at start-up: retrieval is keyword-only`;
    log.warn({ err: error }, note);
    return keywordOnly(note);
  }
  const usable = await withMigrationLock(db.pool, (client) =>
    ensureVectorTable(client, dimensions, embedder.modelId, db.manages || options.clusterWorker === 'lead'),
  );
  if (!usable) {
    return keywordOnly(
      `the embeddings table does not match ${embedder.modelId} yet: retrieval is keyword-only`,
    );
  }
  // The query embedding is on the user's critical path: a short deadline and no retries, since
  // keyword search answers anyway. Background embedding keeps the patient defaults.
  const queryEmbedder = new SharedQueryEmbedder(
    createEmbedder(embeddingModel, providers, { timeoutMs: 3_000, maxRetries: 0 })!,
  );
  return {
    queryEmbedder,
    retrievers: [keyword, new VectorRetriever(db, queryEmbedder)],
    vector: {
      enabled: true,
      model: embedder.modelId,
      dimensions,
      note: 'hybrid: BM25 and vector search fused by reciprocal rank',
    },
    embeddings: new EmbeddingBackfill(db, embedder, log.child({ component: 'embeddings' })),
    keywordIndex,
  };
}

/** Runs a build step whose configuration error is blamed on `setting` (the name an operator sets). */
function blame<T>(setting: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (isParleyError(error) && error.code === 'PARLEY_ERR_CONFIG') {
      throw new ParleyError('PARLEY_ERR_CONFIG', `${setting}: ${error.message}`);
    }
    throw error;
  }
}

/**
 * The semantic injection stage (PARLEY_GUARD_SEMANTIC=on): its encoder loads in its worker now,
 * beside the rest of start-up, so the first unsure messages need not degrade; a degraded message
 * is logged here, and counted and traced by its turn.
 */
function semanticStage(config: Config, log: Logger, lifecycle: Lifecycle): SemanticInjectionStage {
  const stageLog = log.child({ component: 'semantic-guard' });
  const stage = new SemanticInjectionStage({
    head: defaultSemanticHead(),
    timeoutMs: config.semanticGuard.timeoutMs,
    onDegraded: (reason) =>
      stageLog.warn({ reason }, 'semantic injection stage degraded to the fast verdict'),
  });
  void stage.warm();
  lifecycle.onClose('semantic-guard', () => stage.close());
  return stage;
}
