// Builds everything a Parley process needs once, at start-up, from the config: the database,
// the ingestion pool and runner, the retriever and the chat pipeline; and closes it in order.
import { ChatService, ModelRouter, registerPrompt, SYSTEM_PROMPT, WriteBehind } from '../chat/index.js';
import type { Config } from '../config/index.js';
import {
  EmbeddingBackfill,
  HybridRetriever,
  Ingestion,
  IngestPool,
  KeywordRetriever,
  type Retriever,
  VectorRetriever,
} from '../knowledge/index.js';
import { createChatModels, createEmbedder, ModelChain } from '../models/index.js';
import {
  type Database,
  ensureVectorTable,
  type OpenOptions,
  openDatabase,
  withMigrationLock,
} from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';
import { KeyVerifier } from './auth/api-keys.js';

export interface Runtime {
  config: Config;
  log: Logger;
  db: Database;
  ingestion: Ingestion;
  retriever: Retriever;
  chat: ChatService;
  writeBehind: WriteBehind;
  keys: KeyVerifier;
  /** The configured models (PARLEY_MODELS), primary first; absent: extractive answers. */
  chain: ModelChain | undefined;
  /** The escalation chain (PARLEY_ESCALATION_MODELS, then the default models), if configured. */
  escalation: ModelChain | undefined;
  /** Vector search state, for /readyz. */
  vector: VectorStatus;
  /** Embeds chunks in the background when embeddings are configured (server processes only). */
  embeddings: EmbeddingBackfill | undefined;
  /** Stops background work, drains pending writes and closes the database. */
  close(): Promise<void>;
}

/** Whether retrieval is hybrid, and why not when it is not. */
export interface VectorStatus {
  enabled: boolean;
  model?: string;
  dimensions?: number;
  note: string;
}

export interface RuntimeOptions extends OpenOptions {
  /** Run queued ingestion jobs in this process (the server does; one-shot commands do not). */
  runJobs?: boolean;
}

export async function createRuntime(
  config: Config,
  log: Logger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const db = await openDatabase(config, log, options);
  const ingestPool = new IngestPool(config.PARLEY_INGEST_THREADS, db.connection);
  const { retrievers, vector, embeddings } = await buildRetrievers(config, db, log);
  const ingestion = new Ingestion(
    db,
    ingestPool,
    log.child({ component: 'ingestion' }),
    {
      concurrency: options.runJobs ? config.PARLEY_INGEST_CONCURRENCY : 0,
      // An embedded database has one owner process: whatever it left running was interrupted.
      staleSeconds: db.kind === 'embedded' && db.manages ? 0 : 60,
    },
    () => embeddings?.poke(),
  );
  const retriever = new HybridRetriever(retrievers, (name, error) =>
    log.warn({ err: error, retriever: name }, 'retriever failed; answering from the others'),
  );
  const writeBehind = new WriteBehind(log.child({ component: 'write-behind' }));
  const models = createChatModels(config);
  const chainOptions = {
    firstTokenTimeoutMs: config.PARLEY_MODEL_FIRST_TOKEN_TIMEOUT_MS,
    totalTimeoutMs: config.PARLEY_MODEL_TIMEOUT_MS,
  };
  const chain = models.length > 0 ? new ModelChain(models, chainOptions) : undefined;
  const escalationModels = createChatModels({ ...config, PARLEY_MODELS: config.PARLEY_ESCALATION_MODELS });
  const escalation =
    chain && escalationModels.length > 0
      ? new ModelChain([...escalationModels, ...models], chainOptions)
      : undefined;
  const router = chain
    ? new ModelRouter(chain, escalation, {
        queryTokens: config.PARLEY_ESCALATE_QUERY_TOKENS,
        conversationMessages: config.PARLEY_ESCALATE_CONVERSATION_MESSAGES,
        belowCoverage: config.PARLEY_ESCALATE_BELOW_COVERAGE,
      })
    : undefined;
  const prompt = await registerPrompt(db, config.PARLEY_SYSTEM_PROMPT ?? SYSTEM_PROMPT);
  const chat = new ChatService({
    db,
    retriever,
    writeBehind,
    topK: config.PARLEY_RETRIEVAL_TOP_K,
    router,
    prompt,
    contextTokens: config.PARLEY_CONTEXT_TOKENS,
    minRelevance: config.PARLEY_MIN_RELEVANCE,
  });
  await ingestion.start();
  if (options.runJobs) embeddings?.start();
  return {
    config,
    log,
    db,
    ingestion,
    retriever,
    chat,
    writeBehind,
    keys: new KeyVerifier(db),
    chain,
    escalation,
    vector,
    embeddings,
    async close() {
      await embeddings?.stop();
      await ingestion.stop();
      await ingestPool.close();
      await writeBehind.drain();
      await db.close();
    },
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
): Promise<{ retrievers: Retriever[]; vector: VectorStatus; embeddings: EmbeddingBackfill | undefined }> {
  const keyword = new KeywordRetriever(db);
  const keywordOnly = (note: string) => ({
    retrievers: [keyword],
    vector: { enabled: false, note },
    embeddings: undefined,
  });
  const embedder = createEmbedder(config);
  if (!embedder) return keywordOnly('PARLEY_EMBEDDINGS is not set: retrieval is keyword-only (BM25)');
  if (!db.features.vector) {
    const note = `PARLEY_EMBEDDINGS is set but the database has no pgvector: retrieval is keyword-only`;
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
  const usable = await withMigrationLock(db.pool, () =>
    ensureVectorTable(db.pool, dimensions, embedder.modelId, db.manages),
  );
  if (!usable) {
    return keywordOnly(
      `the embeddings table does not match ${embedder.modelId} yet: retrieval is keyword-only`,
    );
  }
  // The query embedding is on the user's critical path: a short deadline and no retries, since
  // keyword search answers anyway. Background embedding keeps the patient defaults.
  const queryEmbedder = createEmbedder(config, { timeoutMs: 3_000, maxRetries: 0 })!;
  return {
    retrievers: [keyword, new VectorRetriever(db, queryEmbedder)],
    vector: {
      enabled: true,
      model: embedder.modelId,
      dimensions,
      note: 'hybrid: BM25 and vector search fused by reciprocal rank',
    },
    embeddings: new EmbeddingBackfill(db, embedder, log.child({ component: 'embeddings' })),
  };
}
