// The configuration cut per layer. The settings are read by their environment names (settings.ts);
// every layer below receives only its slice, in its own words, so no variable name reaches domain
// code. The names stay here: `settingNames` tells the composition root which setting to blame.
import { availableParallelism } from 'node:os';
import type { McpServerConfig } from './mcp-servers.js';
import type { Settings } from './settings.js';

/** USD per million tokens; cached input defaults to the input price. */
export interface ModelPrice {
  input: number;
  cached_input?: number | undefined;
  output: number;
}

/** Where a model provider is reached; unset fields fall back to the provider's public API. */
export interface ProviderConnection {
  apiKey?: string | undefined;
  baseUrl?: string | undefined;
}

export interface ProviderConnections {
  openai: ProviderConnection;
  anthropic: ProviderConnection;
  /** Cohere's API, or a server that speaks its rerank API (vLLM, Infinity): rerankers only. */
  cohere: ProviderConnection;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** Proxies (addresses, CIDRs) whose X-Forwarded-For is believed; empty: none. */
  trustProxy: string[];
  logLevel: Settings['PARLEY_LOG_LEVEL'];
  /** Largest accepted JSON body for chat and other small requests, in bytes. */
  maxBodyBytes: number;
  /** Largest accepted upload (multipart file or JSON text), in bytes. */
  maxUploadBytes: number;
  /** Longest chat message, in characters. */
  maxMessageChars: number;
  /** Conversation event streams open at once in this process (0: none are served). */
  maxEventStreams: number;
  /** How long a streamed answer stays resumable after its last event (0: not kept). */
  streamResumeMs: number;
  /** How long a turn whose client left runs on, waiting for a resume. */
  streamResumeGraceMs: number;
  /** Shortest time between two pieces of an answer's text after its first (0: each as the model sends it). */
  streamFlushMs: number;
  /** How long shutdown waits for in-flight requests and streams. */
  shutdownGraceMs: number;
  /** Longest a turn's acknowledgement waits for the turn to be stored. */
  ackWaitMs: number;
  /** Least time between two group commits of turns, and of usage rows. */
  writeGroupMs: number;
  /** V8's --heap-growing-percent for a server process (0: V8's own). */
  heapGrowthPercent: number;
  /** The operator's bearer token for /metrics and /readyz's details (never a tenant's API key). */
  metricsToken: string | undefined;
  /** A separate listener for /metrics and the probes; unset: none. */
  metricsPort: number | undefined;
  /** Whether `parley serve` runs background work too (ingestion, embeddings, retention). */
  serveRunsJobs: boolean;
  /** Processes `parley serve` runs on its port (`auto` resolved: see serveWorkers). */
  workers: number;
}

export interface Bm25Config {
  k1: number;
  b: number;
}

export interface StorageConfig {
  /** A PostgreSQL server; unset: the embedded database in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize: number;
  /** Hot statements are prepared once per connection (PARLEY_DB_PREPARED_STATEMENTS). */
  preparedStatements: boolean;
  rowSecurity: Settings['PARLEY_ROW_SECURITY'];
  /** The keyword index's BM25 parameters (pg_textsearch's index is built with them). */
  bm25: Bm25Config;
}

export interface ModelsConfig {
  providers: ProviderConnections;
  /** The default bot's chain, primary first. */
  chain: string[];
  /** The stronger chain a routing rule escalates to. */
  escalationChain: string[];
  /** The models (or `provider:*` patterns) tenants may choose for their bots; undefined: any. */
  tenantChoices: string[] | undefined;
  /** Distinct models the catalog holds at once (unused ones are evicted when room is needed). */
  maxModels: number;
  /** Models of its own one tenant may choose across its bots. */
  tenantMaxModels: number;
  /** `provider:model` of the embedding model; unset: keyword retrieval only. */
  embeddings: string | undefined;
  firstTokenTimeoutMs: number;
  totalTimeoutMs: number;
}

export interface RetrievalConfig {
  topK: number;
  /** `local`, a provider's `provider:model`, or undefined: no rerank stage. */
  rerank: { reranker: string | undefined; topN: number; timeoutMs: number };
  cacheTtlMs: number;
  /** Chunks kept in memory for keyword search over all tenants (0: the database answers). */
  keywordMemoryChunks: number;
  bm25: Bm25Config;
}

export interface IngestionConfig {
  /** Jobs run at once by a process that runs jobs. */
  concurrency: number;
  /** Threads for parsing and chunking. */
  threads: number;
  /** Times a page's opening counts again in its later chunks' keyword search text (0: off). */
  pageOpening: number;
  /** Blocks above this link density are left out of chunks' keyword search text (1: none). */
  maxLinkDensity: number;
}

/** What the default bot answers with, and what every bot inherits. */
export interface BotDefaultsConfig {
  systemPrompt: string | undefined;
  minRelevance: number;
  contextTokens: number;
  /** Longest answer a model may write, in tokens. */
  maxAnswerTokens: number;
  escalation: { queryTokens: number; conversationMessages: number; belowCoverage: number };
  /** Conversations whose memory is kept between turns. */
  conversationCacheEntries: number;
  /** Answers reused for a question asked again (ttlMs 0: none). */
  answerCache: { ttlMs: number; maxEntries: number; similarity: number };
  /** How long the model step of understanding a message may take (ms). */
  understandTimeoutMs: number;
  /** End users' long-term memories (bots turn them on with `memory: true`). */
  memory: { retentionDays: number; maxPerUser: number; cacheTtlMs: number; extractTimeoutMs: number };
}

export interface ModerationConfig {
  /** The moderation model; unset: no model guard. */
  model: string | undefined;
  minScore: number;
  timeoutMs: number;
  failure: 'open' | 'closed';
}

export interface SemanticGuardConfig {
  /** The semantic injection stage decides what the fast guard is unsure of. */
  enabled: boolean;
  /** Past this, the fast verdict stands (ms). */
  timeoutMs: number;
}

export interface TurnGateConfig {
  maxActive: number;
  targetDelayMs: number;
  queueTimeoutMs: number;
  maxPendingWrites: number;
}

export interface BudgetLimits {
  day: number;
  month: number;
}

export interface GatewayConfig {
  /** Per-turn token and cost counters (usage rows are written either way). */
  recordMetrics: boolean;
  prices: Record<string, ModelPrice>;
  /** Tenants with their own label in cost metrics. */
  metricsMaxTenants: number;
  /** Least time between two group commits of usage rows. */
  writeGroupMs: number;
  requestsPerMinute: { key: number; tenant: number; ip: number; user: number };
  tokensPerMinute: { key: number; tenant: number };
  budgets: {
    tenant: BudgetLimits;
    key: BudgetLimits;
    warnAt: number;
    policy: 'refuse' | 'cheapest';
  };
  webhook: { url: string | undefined; timeoutMs: number };
}

export interface TelemetryConfig {
  /** Spans, Prometheus recording and request log lines (`off`: the benchmark's bare side). */
  enabled: boolean;
  /** OTLP/HTTP collector base URL; unset: spans are not exported. */
  otlpEndpoint: string | undefined;
  serviceName: string;
}

export interface JobsConfig {
  /** Days a turn trace is kept when its tenant set none. */
  traceRetentionDays: number;
  /** The longest trace period a tenant may set (and the cap on periods set before it). */
  traceRetentionMaxDays: number;
  /** Days a per-turn usage row is kept before it is rolled into the daily totals (undefined: kept). */
  usageDetailRetentionDays: number | undefined;
  /** The longest usage detail period a tenant may set (undefined: no maximum). */
  usageDetailRetentionMaxDays: number | undefined;
  /** Days a conversation is kept after its last activity when its tenant set none (undefined: kept). */
  conversationRetentionDays: number | undefined;
  /** Days a message is kept after it was written when its tenant set none (undefined: kept). */
  messageRetentionDays: number | undefined;
  /** Where handoff events are posted (signed, retried); undefined: none are sent. */
  handoffWebhook:
    | {
        url: string;
        secret: string;
        timeoutMs: number;
        maxAttempts: number;
        retry: { firstMs: number; maxMs: number };
      }
    | undefined;
}

/** End users signed in by the operator's identity provider (docs/security.md). */
export interface OidcConfig {
  issuer: string;
  audience: string;
  /** The JWKS; unset: found by discovery from the issuer. */
  jwksUrl: string | undefined;
  clockSkewSeconds: number;
  jwksCooldownMs: number;
  /** The tenant (name) of every user, unless `tenantClaim` names one. */
  tenant: string;
  tenantClaim: string | undefined;
  userClaim: string;
}

/** The parsed configuration handed to `createRuntime`, `createApp` and the CLI. */
export interface Config {
  /** Absolute data directory. */
  dataDir: string;
  /** Where the settings came from, for the start-up log. */
  configFile: string | undefined;
  server: ServerConfig;
  storage: StorageConfig;
  redisUrl: string | undefined;
  models: ModelsConfig;
  retrieval: RetrievalConfig;
  ingestion: IngestionConfig;
  bots: BotDefaultsConfig;
  moderation: ModerationConfig;
  semanticGuard: SemanticGuardConfig;
  turnGate: TurnGateConfig;
  gateway: GatewayConfig;
  telemetry: TelemetryConfig;
  jobs: JobsConfig;
  tools: ToolsConfig;
  /** The identity provider whose tokens sign users in; undefined: none. */
  oidc: OidcConfig | undefined;
}

/** Tools the bots' models may call (docs/tools.md). */
export interface ToolsConfig {
  /** Hosts tenants' HTTP tools may reach; empty: none. */
  hosts: string[];
  /** MCP servers whose tools bots may allow. */
  mcpServers: McpServerConfig[];
  /** The operator's HTTP tool definitions (validated by the tool layer at start-up). */
  httpTools: Record<string, unknown>[];
  /** The key tool secrets are sealed with; unset: secrets cannot be stored. */
  secretsKey: string | undefined;
  defaultTimeoutMs: number;
  maxResultChars: number;
  concurrency: number;
}

/** The setting behind each model reference a slice holds, for start-up errors. */
export const settingNames = {
  chain: 'PARLEY_MODELS',
  escalationChain: 'PARLEY_ESCALATION_MODELS',
  embeddings: 'PARLEY_EMBEDDINGS',
  rerank: 'PARLEY_RERANK',
  moderation: 'PARLEY_GUARD_MODEL',
  httpTools: 'PARLEY_HTTP_TOOLS',
} as const;

export function sliceSettings(settings: Settings, dataDir: string, configFile: string | undefined): Config {
  const bm25 = { k1: settings.PARLEY_BM25_K1, b: settings.PARLEY_BM25_B };
  const s = settings;
  return {
    dataDir,
    configFile,
    server: {
      host: s.PARLEY_HOST,
      port: s.PARLEY_PORT,
      trustProxy: s.PARLEY_TRUST_PROXY ?? [],
      logLevel: s.PARLEY_LOG_LEVEL,
      maxBodyBytes: s.PARLEY_MAX_BODY_BYTES,
      maxUploadBytes: s.PARLEY_MAX_UPLOAD_BYTES,
      maxMessageChars: s.PARLEY_MAX_MESSAGE_CHARS,
      maxEventStreams: s.PARLEY_MAX_EVENT_STREAMS,
      streamResumeMs: s.PARLEY_STREAM_RESUME_SECONDS * 1000,
      streamResumeGraceMs: Math.round(s.PARLEY_STREAM_RESUME_GRACE_SECONDS * 1000),
      streamFlushMs: s.PARLEY_STREAM_FLUSH_MS,
      shutdownGraceMs: s.PARLEY_SHUTDOWN_GRACE_SECONDS * 1000,
      ackWaitMs: s.PARLEY_ACK_WAIT_MS,
      writeGroupMs: s.PARLEY_WRITE_GROUP_MS,
      heapGrowthPercent: s.PARLEY_HEAP_GROWTH_PERCENT,
      metricsToken: s.PARLEY_METRICS_TOKEN,
      metricsPort: s.PARLEY_METRICS_PORT,
      serveRunsJobs: s.PARLEY_SERVE_JOBS === 'on',
      workers: s.PARLEY_WORKERS === 'auto' ? (s.REDIS_URL ? availableParallelism() : 1) : s.PARLEY_WORKERS,
    },
    storage: {
      databaseUrl: s.DATABASE_URL,
      dataDir,
      poolSize: s.PARLEY_DB_POOL_SIZE,
      preparedStatements: s.PARLEY_DB_PREPARED_STATEMENTS === 'on',
      rowSecurity: s.PARLEY_ROW_SECURITY,
      bm25,
    },
    redisUrl: s.REDIS_URL,
    models: {
      providers: {
        openai: { apiKey: s.OPENAI_API_KEY, baseUrl: s.OPENAI_BASE_URL },
        anthropic: { apiKey: s.ANTHROPIC_API_KEY, baseUrl: s.ANTHROPIC_BASE_URL },
        cohere: { apiKey: s.COHERE_API_KEY, baseUrl: s.COHERE_BASE_URL },
      },
      chain: s.PARLEY_MODELS ?? [],
      escalationChain: s.PARLEY_ESCALATION_MODELS ?? [],
      tenantChoices: s.PARLEY_TENANT_MODELS,
      maxModels: s.PARLEY_MAX_MODELS,
      tenantMaxModels: s.PARLEY_TENANT_MAX_MODELS,
      embeddings: s.PARLEY_EMBEDDINGS,
      firstTokenTimeoutMs: s.PARLEY_MODEL_FIRST_TOKEN_TIMEOUT_MS,
      totalTimeoutMs: s.PARLEY_MODEL_TIMEOUT_MS,
    },
    retrieval: {
      topK: s.PARLEY_RETRIEVAL_TOP_K,
      rerank: {
        reranker: s.PARLEY_RERANK,
        topN: s.PARLEY_RERANK_TOP_N,
        timeoutMs: s.PARLEY_RERANK_TIMEOUT_MS,
      },
      cacheTtlMs: s.PARLEY_RETRIEVAL_CACHE_SECONDS * 1000,
      keywordMemoryChunks: s.PARLEY_KEYWORD_MEMORY_CHUNKS,
      bm25,
    },
    ingestion: {
      concurrency: s.PARLEY_INGEST_CONCURRENCY,
      threads: s.PARLEY_INGEST_THREADS,
      pageOpening: s.PARLEY_KEYWORD_PAGE_OPENING,
      maxLinkDensity: s.PARLEY_KEYWORD_MAX_LINK_DENSITY,
    },
    bots: {
      systemPrompt: s.PARLEY_SYSTEM_PROMPT,
      minRelevance: s.PARLEY_MIN_RELEVANCE,
      contextTokens: s.PARLEY_CONTEXT_TOKENS,
      maxAnswerTokens: s.PARLEY_MAX_ANSWER_TOKENS,
      escalation: {
        queryTokens: s.PARLEY_ESCALATE_QUERY_TOKENS,
        conversationMessages: s.PARLEY_ESCALATE_CONVERSATION_MESSAGES,
        belowCoverage: s.PARLEY_ESCALATE_BELOW_COVERAGE,
      },
      conversationCacheEntries: s.PARLEY_CONVERSATION_CACHE_ENTRIES,
      answerCache: {
        ttlMs: s.PARLEY_ANSWER_CACHE_SECONDS * 1000,
        maxEntries: s.PARLEY_ANSWER_CACHE_ENTRIES,
        similarity: s.PARLEY_ANSWER_CACHE_SIMILARITY,
      },
      understandTimeoutMs: s.PARLEY_UNDERSTAND_TIMEOUT_MS,
      memory: {
        retentionDays: s.PARLEY_MEMORY_RETENTION_DAYS,
        maxPerUser: s.PARLEY_MEMORY_MAX_PER_USER,
        cacheTtlMs: s.PARLEY_MEMORY_CACHE_SECONDS * 1000,
        extractTimeoutMs: s.PARLEY_MEMORY_EXTRACT_TIMEOUT_MS,
      },
    },
    moderation: {
      model: s.PARLEY_GUARD_MODEL,
      minScore: s.PARLEY_GUARD_MODEL_MIN_SCORE,
      timeoutMs: s.PARLEY_GUARD_MODEL_TIMEOUT_MS,
      failure: s.PARLEY_GUARD_MODEL_FAILURE,
    },
    semanticGuard: {
      enabled: s.PARLEY_GUARD_SEMANTIC === 'on',
      timeoutMs: s.PARLEY_GUARD_SEMANTIC_TIMEOUT_MS,
    },
    turnGate: {
      maxActive: s.PARLEY_MAX_ACTIVE_TURNS,
      targetDelayMs: s.PARLEY_TURN_GATE_DELAY_MS,
      queueTimeoutMs: s.PARLEY_TURN_QUEUE_SECONDS * 1000,
      maxPendingWrites: s.PARLEY_MAX_PENDING_WRITES,
    },
    gateway: {
      recordMetrics: s.PARLEY_TELEMETRY === 'on',
      prices: s.PARLEY_PRICES ?? {},
      metricsMaxTenants: s.PARLEY_METRICS_MAX_TENANTS,
      writeGroupMs: s.PARLEY_WRITE_GROUP_MS,
      requestsPerMinute: {
        key: s.PARLEY_RATE_REQUESTS_PER_MINUTE_KEY,
        tenant: s.PARLEY_RATE_REQUESTS_PER_MINUTE_TENANT,
        ip: s.PARLEY_RATE_REQUESTS_PER_MINUTE_IP,
        user: s.PARLEY_RATE_REQUESTS_PER_MINUTE_USER,
      },
      tokensPerMinute: {
        key: s.PARLEY_RATE_TOKENS_PER_MINUTE_KEY,
        tenant: s.PARLEY_RATE_TOKENS_PER_MINUTE_TENANT,
      },
      budgets: {
        tenant: { day: s.PARLEY_BUDGET_TENANT_DAILY_USD, month: s.PARLEY_BUDGET_TENANT_MONTHLY_USD },
        key: { day: s.PARLEY_BUDGET_KEY_DAILY_USD, month: s.PARLEY_BUDGET_KEY_MONTHLY_USD },
        warnAt: s.PARLEY_BUDGET_WARN_AT,
        policy: s.PARLEY_BUDGET_POLICY,
      },
      webhook: { url: s.PARLEY_BUDGET_WEBHOOK_URL, timeoutMs: s.PARLEY_BUDGET_WEBHOOK_TIMEOUT_MS },
    },
    telemetry: {
      enabled: s.PARLEY_TELEMETRY === 'on',
      otlpEndpoint: s.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: s.OTEL_SERVICE_NAME,
    },
    jobs: {
      traceRetentionDays: s.PARLEY_TRACE_RETENTION_DAYS,
      traceRetentionMaxDays: s.PARLEY_TRACE_RETENTION_MAX_DAYS,
      usageDetailRetentionDays: s.PARLEY_USAGE_DETAIL_RETENTION_DAYS || undefined,
      usageDetailRetentionMaxDays: s.PARLEY_USAGE_DETAIL_RETENTION_MAX_DAYS || undefined,
      conversationRetentionDays: s.PARLEY_CONVERSATION_RETENTION_DAYS || undefined,
      messageRetentionDays: s.PARLEY_MESSAGE_RETENTION_DAYS || undefined,
      handoffWebhook:
        s.PARLEY_HANDOFF_WEBHOOK_URL && s.PARLEY_WEBHOOK_SECRET
          ? {
              url: s.PARLEY_HANDOFF_WEBHOOK_URL,
              secret: s.PARLEY_WEBHOOK_SECRET,
              timeoutMs: s.PARLEY_WEBHOOK_TIMEOUT_MS,
              maxAttempts: s.PARLEY_WEBHOOK_MAX_ATTEMPTS,
              retry: { firstMs: s.PARLEY_WEBHOOK_RETRY_FIRST_MS, maxMs: 3_600_000 },
            }
          : undefined,
    },
    tools: {
      hosts: s.PARLEY_TOOL_HOSTS ?? [],
      mcpServers: s.PARLEY_MCP_SERVERS ?? [],
      httpTools: s.PARLEY_HTTP_TOOLS ?? [],
      secretsKey: s.PARLEY_SECRETS_KEY,
      defaultTimeoutMs: s.PARLEY_TOOL_TIMEOUT_MS,
      maxResultChars: s.PARLEY_TOOL_MAX_RESULT_CHARS,
      concurrency: s.PARLEY_TOOL_CONCURRENCY,
    },
    oidc:
      s.PARLEY_OIDC_ISSUER && s.PARLEY_OIDC_AUDIENCE
        ? {
            issuer: s.PARLEY_OIDC_ISSUER,
            audience: s.PARLEY_OIDC_AUDIENCE,
            jwksUrl: s.PARLEY_OIDC_JWKS_URL,
            clockSkewSeconds: s.PARLEY_OIDC_CLOCK_SKEW_SECONDS,
            jwksCooldownMs: s.PARLEY_OIDC_JWKS_COOLDOWN_SECONDS * 1000,
            tenant: s.PARLEY_OIDC_TENANT,
            tenantClaim: s.PARLEY_OIDC_TENANT_CLAIM,
            userClaim: s.PARLEY_OIDC_USER_CLAIM,
          }
        : undefined,
  };
}
