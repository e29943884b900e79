// The settings: one zod schema over the environment's names, parsed once at start-up
// (load-config.ts). This folder is the only reader of process.env; everything else receives its
// slice of a typed `Config` (slices.ts).
import { isIP } from 'node:net';
import { z } from 'zod';
import { mcpServerListSchema } from './mcp-servers.js';

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const modelRef = z
  .string()
  .regex(/^[a-z][a-z0-9-]*:[^\s,]+$/i, 'expected provider:model, e.g. openai:gpt-4o-mini');

/** A comma-separated list, its entries trimmed, empty ones dropped. */
const commaList = z
  .string()
  .trim()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  );

const modelChain = commaList.pipe(z.array(modelRef));

/** An IPv4/IPv6 address or CIDR, or one of proxy-addr's names for address ranges. */
const proxyAddress = z.string().refine(
  (entry) => {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return false;
    if (prefix === undefined) return true;
    return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  },
  { message: 'expected addresses or CIDRs, e.g. 10.0.0.0/8,127.0.0.1 (or loopback, linklocal, uniquelocal)' },
);

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const usd = z.coerce.number().min(0).max(1_000_000_000);

/** USD per million tokens; cached input defaults to the input price. */
export const modelPriceSchema = z
  .object({
    input: z.number().min(0),
    cached_input: z.number().min(0).optional(),
    output: z.number().min(0),
  })
  .strict();

/** A setting written as JSON text: parsed, then checked by `schema`; `shape` says what is expected. */
const jsonSetting = <T extends z.ZodType>(shape: string, schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected JSON: ${shape}` });
        return z.NEVER;
      }
    })
    .pipe(schema);

const priceOverrides = jsonSetting(
  '{"provider:model": {"input", "output"}}',
  z.record(modelRef, modelPriceSchema),
);

const mcpServers = jsonSetting(
  '[{"name", "transport": "stdio", "command", "args"} or {"name", "transport": "http", "url"}]',
  mcpServerListSchema,
);

/** Every setting Parley reads, by its environment name. A config file may set the same names. */
export const settingsSchema = z.object({
  PARLEY_DATA_DIR: z.string().trim().min(1).default('./.parley'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
      .optional(),
  ),
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, 'expected a redis:// URL')
      .optional(),
  ),
  PARLEY_MODELS: optionalString.pipe(modelChain.optional()),
  PARLEY_EMBEDDINGS: optionalString.pipe(modelRef.optional()),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString.pipe(z.url().optional()),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString.pipe(z.url().optional()),
  /** Cohere's key, for a `cohere:` reranker (PARLEY_RERANK). */
  COHERE_API_KEY: optionalString,
  /** A server that speaks Cohere's rerank API (vLLM, Infinity), for a `cohere:` reranker. */
  COHERE_BASE_URL: optionalString.pipe(z.url().optional()),
  PARLEY_HOST: z.string().trim().min(1).default('127.0.0.1'),
  PARLEY_PORT: intFrom(0, 65535).default(8787),
  /**
   * The reverse proxies (addresses or CIDRs, comma-separated) whose forwarding headers name the
   * client: the client address is read from X-Forwarded-For through these hops only. Unset: the
   * socket's address, and forwarding headers are not believed.
   */
  PARLEY_TRUST_PROXY: optionalString.pipe(commaList.pipe(z.array(proxyAddress)).optional()),
  PARLEY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted upload (multipart file or JSON text), in bytes. */
  PARLEY_MAX_UPLOAD_BYTES: intFrom(1024, 1024 * 1024 * 1024).default(25 * 1024 * 1024),
  /** Largest accepted JSON body for chat and other small requests, in bytes. */
  PARLEY_MAX_BODY_BYTES: intFrom(1024, 64 * 1024 * 1024).default(256 * 1024),
  /** Longest chat message, in characters. */
  PARLEY_MAX_MESSAGE_CHARS: intFrom(1, 1_000_000).default(8000),
  /** Conversation event streams (GET /v1/conversations/{id}/events) open at once in this process. */
  PARLEY_MAX_EVENT_STREAMS: intFrom(0, 1_000_000).default(1000),
  /**
   * Seconds a streamed answer stays resumable (GET /v1/turns/{id}/stream with Last-Event-ID) after
   * its last event; in Redis when REDIS_URL is set, so any replica resumes it. 0: streams are not
   * kept, and a client's disconnect cancels its turn at once.
   */
  PARLEY_STREAM_RESUME_SECONDS: intFrom(0, 86_400).default(60),
  /**
   * Seconds a turn whose client disconnected mid-stream runs on, waiting for the client to resume;
   * a turn no client came back for is then cancelled (with its model call). Short, so that a client
   * that leaves still frees the model call soon; long enough for a reload or the page's retries.
   */
  PARLEY_STREAM_RESUME_GRACE_SECONDS: z.coerce.number().min(0).max(3_600).default(2),
  /**
   * Shortest time, in ms, between two pieces of an answer's text. The first piece goes out at once;
   * the text the model sends within this time of the last piece is passed on together, as one
   * piece, so the output guard, the turn's record and the stream's events and writes run once per
   * interval instead of once per token. 0: every piece as the model sends it.
   */
  PARLEY_STREAM_FLUSH_MS: intFrom(0, 1_000).default(50),
  /** Ingestion jobs run at once in this process (0 = this process runs no ingestion jobs). */
  PARLEY_INGEST_CONCURRENCY: intFrom(0, 64).default(2),
  /** Threads for parsing and chunking (kept off the HTTP event loop). */
  PARLEY_INGEST_THREADS: intFrom(1, 64).default(1),
  /**
   * Times the opening of a page (its first 15 search terms) counts again in each of the page's
   * later chunks' keyword search text, at ingestion (0: not at all). docs/benchmarks.md, "Ranking
   * beyond BM25".
   */
  PARLEY_KEYWORD_PAGE_OPENING: intFrom(0, 5).default(2),
  /**
   * Blocks of a chunk (runs of lines between blank lines) whose share of text inside links is above
   * this are left out of its keyword search text, at ingestion: tables of contents, indexes, link
   * lists, which hold every page's title (1: none). docs/benchmarks.md, "Ranking beyond BM25".
   */
  PARLEY_KEYWORD_MAX_LINK_DENSITY: z.coerce.number().min(0).max(1).default(0.5),
  /** Chunks returned by retrieval per query. */
  PARLEY_RETRIEVAL_TOP_K: intFrom(1, 200).default(8),
  /**
   * The rerank stage: `local` (Parley's own reranker, no network), a provider's reranking model as
   * `provider:model` (e.g. cohere:rerank-v3.5), or unset: the fused order stands.
   */
  PARLEY_RERANK: optionalString.pipe(
    z
      .string()
      .regex(/^(local|[a-z][a-z0-9-]*:.+)$/i, 'expected local or provider:model, e.g. cohere:rerank-v3.5')
      .optional(),
  ),
  /** Fused candidates the reranker reads (the rest keep the fused order after them). */
  PARLEY_RERANK_TOP_N: intFrom(2, 200).default(30),
  /** Milliseconds the reranker may take before the fused order stands. */
  PARLEY_RERANK_TIMEOUT_MS: intFrom(10, 60_000).default(500),
  /** Seconds a retrieval result is reused for the same question (0: no cache). */
  PARLEY_RETRIEVAL_CACHE_SECONDS: intFrom(0, 86_400).default(60),
  /**
   * Seconds an answer is reused for the same question to the same bot over the same knowledge
   * (0: no answer cache). Bots can opt out (`answer_cache: false`).
   */
  PARLEY_ANSWER_CACHE_SECONDS: intFrom(0, 30 * 86_400).default(3_600),
  /** Answers the answer cache keeps, over all tenants (least recently used go first). */
  PARLEY_ANSWER_CACHE_ENTRIES: intFrom(1, 1_000_000).default(10_000),
  /**
   * With PARLEY_EMBEDDINGS set, the cosine between a question's embedding and an earlier one's
   * at or above which the earlier answer is given (a semantic hit); 0: the same question only.
   */
  PARLEY_ANSWER_CACHE_SIMILARITY: z.coerce
    .number()
    .min(0)
    .max(1)
    .refine((value) => value === 0 || value >= 0.8, 'expected 0 (off) or 0.8-1')
    .default(0.95),
  /**
   * Chunks a server keeps in memory for keyword search, over all tenants (0: the database answers
   * every keyword search). A tenant that does not fit is searched in the database.
   */
  PARLEY_KEYWORD_MEMORY_CHUNKS: intFrom(0, 10_000_000).default(50_000),
  PARLEY_BM25_K1: z.coerce.number().min(0).max(5).default(1.2),
  PARLEY_BM25_B: z.coerce.number().min(0).max(1).default(0.75),
  /** Turns answered at once at most; more wait in line (0, the default: no fixed ceiling). */
  PARLEY_MAX_ACTIVE_TURNS: intFrom(0, 100_000).default(0),
  /**
   * Event-loop delay p99 (ms) of the HTTP thread above which, with the loop busy, fewer turns are
   * answered at once and the others wait in line (0: no adaptive limit). 150, not lower: a loop
   * that carries more streams reads each socket less often and so does more per read; at 500
   * concurrent on two cores, a 35 ms target held the first token 2-3 s in line for 0.6x the turns
   * (docs/benchmarks.md, "The turn gate and the key check under load").
   */
  PARLEY_TURN_GATE_DELAY_MS: intFrom(0, 10_000).default(150),
  /**
   * How far the JS heap may grow past what the last full collection kept before the next one, in
   * percent (V8's --heap-growing-percent; 0: V8's own factor, up to 300 %). Set by `parley serve`.
   * Lower values hold resident memory flatter under a long soak and cost throughput at high
   * concurrency (docs/benchmarks.md): a memory-for-CPU trade left to the operator.
   */
  PARLEY_HEAP_GROWTH_PERCENT: intFrom(0, 1_000).default(0),
  /** Turns being answered plus background writes not done, at which new turns wait in line (0: no bound). */
  PARLEY_MAX_PENDING_WRITES: intFrom(0, 1_000_000).default(2_000),
  /** Conversations whose memory a server keeps between turns; a follow-up to one evicted reads the database. */
  PARLEY_CONVERSATION_CACHE_ENTRIES: intFrom(1, 1_000_000).default(2_000),
  /** Longest a turn waits in line for a place before a 503 with Retry-After. */
  PARLEY_TURN_QUEUE_SECONDS: intFrom(1, 3_600).default(30),
  /** Seconds to wait for in-flight requests and streams on shutdown. */
  PARLEY_SHUTDOWN_GRACE_SECONDS: intFrom(0, 600).default(20),
  /**
   * Longest a finished turn's acknowledgement (JSON 200, SSE `done`, the OpenAI stream's end)
   * waits for the turn to be stored; past it the client is answered anyway (and it is counted).
   */
  PARLEY_ACK_WAIT_MS: intFrom(0, 120_000).default(10_000),
  /**
   * Least time between two group commits of turns (and of usage rows): turns finishing meanwhile
   * are written together, for fewer statements at moderate load; a turn's acknowledgement waits
   * at most this much longer. 0: each write as soon as the one before has ended.
   */
  PARLEY_WRITE_GROUP_MS: intFrom(0, 1_000).default(20),
  PARLEY_DB_POOL_SIZE: intFrom(1, 200).default(8),
  /**
   * The hot writes (each turn's, each usage row) as named prepared statements, parsed and planned
   * once per connection; `off` for a pooler that cannot keep them (PgBouncer in transaction mode
   * before 1.21, or without max_prepared_statements).
   */
  PARLEY_DB_PREPARED_STATEMENTS: z.enum(['on', 'off']).default('on'),
  /**
   * Row-level security as a second wall between tenants: `auto` uses it when the database allows
   * (the role parley_tenant exists and the login user may take it), `on` refuses to start without
   * it, `off` scopes by query filters alone.
   */
  PARLEY_ROW_SECURITY: z.enum(['auto', 'on', 'off']).default('auto'),
  /** The bot's system prompt (default: Parley's grounded-answer prompt); each text is a stored version. */
  PARLEY_SYSTEM_PROMPT: optionalString,
  /** Prompt-side token budget per turn: system prompt, question, passages and earlier messages. */
  PARLEY_CONTEXT_TOKENS: intFrom(500, 1_000_000).default(6000),
  /** Longest answer a model may write, in tokens (a client's `max_tokens` may ask for fewer). */
  PARLEY_MAX_ANSWER_TOKENS: intFrom(1, 100_000).default(1024),
  /**
   * Share of the question's content words that the best passages must contain for the bot to
   * answer; below it, the bot says it does not know (0 turns the check off).
   */
  PARLEY_MIN_RELEVANCE: z.coerce.number().min(0).max(1).default(0.2),
  /** The stronger chain used when a routing rule fires (the default models follow it as fallbacks). */
  PARLEY_ESCALATION_MODELS: optionalString.pipe(modelChain.optional()),
  /** Routing: escalate questions of at least this many tokens (0: off). */
  PARLEY_ESCALATE_QUERY_TOKENS: intFrom(0, 1_000_000).default(64),
  /** Routing: escalate once a conversation has this many earlier messages (0: off). */
  PARLEY_ESCALATE_CONVERSATION_MESSAGES: intFrom(0, 10_000).default(12),
  /** Routing: escalate when the passages cover less than this share of the question (0: off). */
  PARLEY_ESCALATE_BELOW_COVERAGE: z.coerce.number().min(0).max(1).default(0.5),
  /** A model that sends no first token within this time is abandoned for the next one. */
  PARLEY_MODEL_FIRST_TOKEN_TIMEOUT_MS: intFrom(100, 600_000).default(10_000),
  /** The whole generation must end within this time. */
  PARLEY_MODEL_TIMEOUT_MS: intFrom(1000, 3_600_000).default(120_000),
  /**
   * The models a tenant may choose for its bots: references or `provider:*` patterns
   * (`openai:gpt-4o-mini,anthropic:*`); unset: any model of a connected provider. The server's
   * own models are always allowed.
   */
  PARLEY_TENANT_MODELS: optionalString.pipe(
    commaList
      .pipe(
        z.array(
          z.string().regex(/^[a-z][a-z0-9-]*:(\*|[^\s,*]+)$/i, 'expected provider:model or provider:*'),
        ),
      )
      .optional(),
  ),
  /**
   * Distinct chat models a server process holds at once (each has a client, a circuit breaker and
   * metric series); models no bot names any more are evicted when room is needed.
   */
  PARLEY_MAX_MODELS: intFrom(1, 4096).default(64),
  /** Models of its own (not the server's) one tenant may choose across all its bots. */
  PARLEY_TENANT_MAX_MODELS: intFrom(1, 4096).default(16),
  /** A moderation model (e.g. Llama Guard behind an OpenAI-compatible server) asked about messages the fast guard cannot decide; unset: off. */
  PARLEY_GUARD_MODEL: optionalString.pipe(modelRef.optional()),
  /** Ask the moderation model when the fast guard's injection score is at least this (and it did not block). */
  PARLEY_GUARD_MODEL_MIN_SCORE: z.coerce.number().min(0).max(1).default(0.2),
  PARLEY_GUARD_MODEL_TIMEOUT_MS: intFrom(50, 60_000).default(1500),
  /**
   * `on`: the semantic injection stage (Universal Sentence Encoder Lite in a worker thread) decides
   * the messages the fast injection guard is unsure of, beside retrieval and the model's
   * first-token wait; the answer's first piece waits for its verdict.
   */
  PARLEY_GUARD_SEMANTIC: z.enum(['on', 'off']).default('off'),
  /** The longest the semantic stage may take over one message before the fast verdict stands. */
  PARLEY_GUARD_SEMANTIC_TIMEOUT_MS: intFrom(10, 60_000).default(1000),
  /** How long the model step of understanding a message may take before the rules' reading stands. */
  PARLEY_UNDERSTAND_TIMEOUT_MS: intFrom(50, 60_000).default(1500),
  /** Days an end user's memory is kept after its last update before the background sweep deletes it. */
  PARLEY_MEMORY_RETENTION_DAYS: intFrom(1, 3650).default(365),
  /** Most long-term memories kept per end user (the least recently updated are dropped). */
  PARLEY_MEMORY_MAX_PER_USER: intFrom(1, 10_000).default(100),
  /** How long a process serves a user's memories from its cache (a change made through another replica shows after this). */
  PARLEY_MEMORY_CACHE_SECONDS: intFrom(1, 3600).default(10),
  /** How long the background call that takes memories from a turn may take. */
  PARLEY_MEMORY_EXTRACT_TIMEOUT_MS: intFrom(100, 120_000).default(15_000),
  /** When the moderation model fails or times out: `open` lets the message through, `closed` refuses it. */
  PARLEY_GUARD_MODEL_FAILURE: z.enum(['open', 'closed']).default('open'),
  /**
   * `off` turns off OpenTelemetry spans, Prometheus recording (the /metrics registry stays, empty of
   * turn and request figures) and per-request log lines: the benchmark's "without telemetry" side.
   * Stored turn traces (GET /v1/turns/{id}/trace) are data, not telemetry: they stay.
   */
  PARLEY_TELEMETRY: z.enum(['on', 'off']).default('on'),
  /** OTLP/HTTP collector base URL (spans go to <url>/v1/traces); unset: spans are not exported. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.url().optional()),
  OTEL_SERVICE_NAME: z.string().trim().min(1).default('parley'),
  /** Days a turn's trace is kept before the background sweep deletes it, for tenants that set none. */
  PARLEY_TRACE_RETENTION_DAYS: intFrom(1, 3650).default(30),
  /**
   * The longest trace period a tenant may set for itself (PUT /v1/retention `trace_days`); a tenant
   * may always set a shorter one. A lower maximum also caps periods set before it.
   */
  PARLEY_TRACE_RETENTION_MAX_DAYS: intFrom(1, 36_500).default(365),
  /**
   * Days a per-turn usage row is kept before the sweep rolls it into the daily totals (usage_daily)
   * and deletes it, for tenants that set none; 0: kept.
   */
  PARLEY_USAGE_DETAIL_RETENTION_DAYS: intFrom(0, 36_500).default(0),
  /** The longest usage detail period a tenant may set for itself (`usage_detail_days`); 0: no maximum. */
  PARLEY_USAGE_DETAIL_RETENTION_MAX_DAYS: intFrom(0, 36_500).default(0),
  /**
   * Days a conversation (its messages, traces, feedback) is kept after its last activity, for
   * tenants that set no period of their own (PUT /v1/retention); 0: kept.
   */
  PARLEY_CONVERSATION_RETENTION_DAYS: intFrom(0, 36_500).default(0),
  /**
   * Days a message (with its turn's trace and rating) is kept after it was written, even in a
   * conversation still in use, for tenants that set no period of their own; 0: kept.
   */
  PARLEY_MESSAGE_RETENTION_DAYS: intFrom(0, 36_500).default(0),
  /**
   * Prices per million tokens, by model reference, over the built-in table:
   * `{"openai:gpt-4o-mini": {"input": 0.15, "cached_input": 0.075, "output": 0.6}}`.
   */
  PARLEY_PRICES: optionalString.pipe(priceOverrides.optional()),
  /** Requests per minute per API key (0: no limit). */
  PARLEY_RATE_REQUESTS_PER_MINUTE_KEY: intFrom(0, 10_000_000).default(600),
  /** Requests per minute per tenant, all its keys together (0: no limit). */
  PARLEY_RATE_REQUESTS_PER_MINUTE_TENANT: intFrom(0, 10_000_000).default(0),
  /** Requests per minute per client IP address (0: no limit). */
  PARLEY_RATE_REQUESTS_PER_MINUTE_IP: intFrom(0, 10_000_000).default(600),
  /**
   * Requests per minute per end user (a signed-in user, one a key acts for, a widget visitor) of a
   * tenant, besides the key's limit (0: no limit).
   */
  PARLEY_RATE_REQUESTS_PER_MINUTE_USER: intFrom(0, 10_000_000).default(120),
  /** Model tokens (prompt and completion) per minute per API key (0: no limit). */
  PARLEY_RATE_TOKENS_PER_MINUTE_KEY: intFrom(0, 1_000_000_000).default(0),
  /** Model tokens per minute per tenant (0: no limit). */
  PARLEY_RATE_TOKENS_PER_MINUTE_TENANT: intFrom(0, 1_000_000_000).default(0),
  /** Budgets in USD (0: none); a tenant may override its own with PUT /v1/budgets. */
  PARLEY_BUDGET_TENANT_DAILY_USD: usd.default(0),
  PARLEY_BUDGET_TENANT_MONTHLY_USD: usd.default(0),
  PARLEY_BUDGET_KEY_DAILY_USD: usd.default(0),
  PARLEY_BUDGET_KEY_MONTHLY_USD: usd.default(0),
  /** Share of a budget at which a warning is logged, counted and posted to the webhook. */
  PARLEY_BUDGET_WARN_AT: z.coerce.number().gt(0).max(1).default(0.5),
  /** Over budget: refuse turns (402), or answer them with the cheapest priced model of the bot. */
  PARLEY_BUDGET_POLICY: z.enum(['refuse', 'cheapest']).default('refuse'),
  /** Receives budget warnings and exceedances as JSON POSTs (never on a turn's critical path). */
  PARLEY_BUDGET_WEBHOOK_URL: optionalString.pipe(z.url().optional()),
  PARLEY_BUDGET_WEBHOOK_TIMEOUT_MS: intFrom(100, 60_000).default(5000),
  /**
   * Receives `conversation.handed_off` events as signed JSON POSTs, sent through the job queue and
   * retried (docs/handoff.md). Needs PARLEY_WEBHOOK_SECRET.
   */
  PARLEY_HANDOFF_WEBHOOK_URL: optionalString.pipe(z.url().optional()),
  /** The key of the webhooks' HMAC-SHA256 signature (header Parley-Signature). */
  PARLEY_WEBHOOK_SECRET: optionalString.pipe(
    z.string().min(16, 'expected at least 16 characters (e.g. openssl rand -hex 32)').optional(),
  ),
  PARLEY_WEBHOOK_TIMEOUT_MS: intFrom(100, 60_000).default(10_000),
  /** Attempts at delivering one event before it fails for good. */
  PARLEY_WEBHOOK_MAX_ATTEMPTS: intFrom(1, 50).default(10),
  /** The pause before the second attempt; it doubles with each failed attempt, up to an hour. */
  PARLEY_WEBHOOK_RETRY_FIRST_MS: intFrom(10, 3_600_000).default(30_000),
  /**
   * Hosts (`host` or `host:port`) that tenants' HTTP tools may reach (docs/tools.md); unset: HTTP
   * tools cannot be defined. Redirects are never followed, so a tool stays on these hosts.
   */
  PARLEY_TOOL_HOSTS: optionalString.pipe(
    commaList
      .pipe(
        z.array(
          z
            .string()
            .regex(/^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i, 'expected host or host:port'),
        ),
      )
      .optional(),
  ),
  /**
   * MCP servers whose tools bots may allow (`<server>__<tool>`), as a JSON list: stdio servers are
   * started by this process (the operator's commands, never a tenant's), HTTP ones are reached
   * with the streamable HTTP transport; `tenants` limits a server to some tenants.
   */
  PARLEY_MCP_SERVERS: optionalString.pipe(mcpServers.optional()),
  /**
   * HTTP tools the operator defines for every tenant, as a JSON list of definitions shaped like
   * `PUT /v1/tools/{name}`'s body plus `name` (checked at start-up); a tenant's bot offers one
   * only when its allowlist names it, and its `auth.secret` is read from that tenant's secrets.
   */
  PARLEY_HTTP_TOOLS: optionalString.pipe(
    jsonSetting(
      '[{"name", "description", "parameters", "url", …}]',
      z.array(z.record(z.string(), z.unknown())).max(200),
    ).optional(),
  ),
  /** Longest one tool call may take when its definition sets no timeout (ms). */
  PARLEY_TOOL_TIMEOUT_MS: intFrom(100, 300_000).default(10_000),
  /** Characters of one tool result the model reads; the rest is cut with a note. */
  PARLEY_TOOL_MAX_RESULT_CHARS: intFrom(256, 1_000_000).default(16_000),
  /** Calls of one tool at once in a process (more wait in a short queue, then are refused). */
  PARLEY_TOOL_CONCURRENCY: intFrom(1, 1_000).default(8),
  /**
   * The key tenants' tool secrets are sealed with at rest (AES-256-GCM); unset: secrets cannot be
   * stored. Changing it makes the stored secrets unreadable (set them again).
   */
  PARLEY_SECRETS_KEY: optionalString.pipe(
    z.string().min(32, 'expected at least 32 characters (e.g. openssl rand -hex 32)').optional(),
  ),
  /**
   * The operator's identity provider (OIDC): end users sign in with its JWTs (docs/security.md,
   * "Signing in users"). Its keys are found by discovery (`<issuer>/.well-known/openid-configuration`)
   * unless PARLEY_OIDC_JWKS_URL names them. Unset: no JWT is accepted. Needs PARLEY_OIDC_AUDIENCE.
   */
  PARLEY_OIDC_ISSUER: optionalString.pipe(z.url().optional()),
  /** The audience (`aud`) a token must be issued for: this server's client id at the provider. */
  PARLEY_OIDC_AUDIENCE: optionalString,
  /** The provider's JWKS, when discovery is not wanted (or the provider has none). */
  PARLEY_OIDC_JWKS_URL: optionalString.pipe(z.url().optional()),
  /** Leeway for `exp`, `nbf` and `iat` against this server's clock, in seconds. */
  PARLEY_OIDC_CLOCK_SKEW_SECONDS: intFrom(0, 600).default(60),
  /**
   * The shortest pause between two reads of the JWKS: a token signed by a key not yet read
   * (a rotation) makes the server read it again, at most this often.
   */
  PARLEY_OIDC_JWKS_COOLDOWN_SECONDS: intFrom(0, 3_600).default(30),
  /** The tenant (by name; created if new) every signed-in user belongs to, unless a claim names it. */
  PARLEY_OIDC_TENANT: z.string().trim().min(1).default('default'),
  /**
   * A claim naming the user's tenant (by name; the tenant must exist already): for a provider
   * serving several tenants' users. Unset: every user belongs to PARLEY_OIDC_TENANT.
   */
  PARLEY_OIDC_TENANT_CLAIM: optionalString,
  /** The claim that identifies the user (stable at the provider). */
  PARLEY_OIDC_USER_CLAIM: z.string().trim().min(1).default('sub'),
  /** Tenants with their own label in cost metrics; later tenants are counted as "other". */
  PARLEY_METRICS_MAX_TENANTS: intFrom(0, 10_000).default(50),
  /**
   * The operator's credential for /metrics (`Authorization: Bearer <token>`) and /readyz's details.
   * A tenant's API key never opens them; unset: only loopback while no key exists (or the metrics port).
   */
  PARLEY_METRICS_TOKEN: optionalString.pipe(
    z.string().min(16, 'expected at least 16 characters (e.g. openssl rand -hex 32)').optional(),
  ),
  /**
   * Serves /metrics (and the probes) on this port too, and no longer /metrics on the API port;
   * `parley worker` answers its probes and scrapes only there. Unset: no separate listener.
   */
  PARLEY_METRICS_PORT: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    intFrom(1, 65535).optional(),
  ),
  /**
   * Whether `parley serve` also runs background work (ingestion jobs, embedding backfill, trace
   * retention): `off` for API replicas beside `parley worker` replicas (`parley serve --no-jobs`).
   */
  PARLEY_SERVE_JOBS: z.enum(['on', 'off']).default('on'),
  /**
   * Processes `parley serve` runs on one port (node:cluster; `parley serve --workers N`). `auto`:
   * one per core when REDIS_URL is set (limits, spend and streams are shared there), else 1, since
   * without Redis each process would keep its own caches and limits.
   */
  PARLEY_WORKERS: z.union([z.literal('auto'), intFrom(1, 64)]).default('auto'),
});

export type Settings = z.infer<typeof settingsSchema>;
