// Prometheus metrics, one registry per app instance (so tests and replicas in one process do not
// share counters). Names are prefixed parley_; label values are bounded (route patterns, not URLs).
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { monitorEventLoopDelay } from './event-loop-delay.js';

export interface Metrics {
  registry: Registry;
  /** What /metrics serves: this registry, or every worker's of a `--workers` server (cluster-metrics.ts). */
  exposition(): Promise<string>;
  /** False with PARLEY_TELEMETRY=off: nothing per request or per turn is recorded. */
  enabled: boolean;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  turnDuration: Histogram<'mode'>;
  retrievalDuration: Histogram<'retriever'>;
  turns: Counter<'mode' | 'model'>;
  timeToFirstToken: Histogram<'mode'>;
  modelAttempts: Counter<'model' | 'outcome'>;
  stageDuration: Histogram<'stage'>;
  retrievalCache: Counter<'result'>;
  answerCache: Counter<'result'>;
  intents: Counter<'intent' | 'handler'>;
  understandModelCalls: Counter<'result'>;
  toolCalls: Counter<'source' | 'outcome'>;
  unstoredAcknowledgements: Counter<'reason'>;
  streamResumes: Counter<'result'>;
  toolDuration: Histogram<'source'>;
  answerCacheSaved: Counter<string>;
  retrievalRelevance: Counter<'outcome'>;
  guardTriggers: Counter<'stage' | 'kind'>;
  semanticGuard: Counter<'outcome'>;

  /** Stops background sampling (called on shutdown). */
  stop(): void;
}

/**
 * `exposeWith` replaces what /metrics serves (a cluster worker serves the whole server's metrics);
 * default: this registry's own.
 */
export function createMetrics(
  enabled = true,
  exposeWith?: (registry: Registry) => () => Promise<string>,
): Metrics {
  const registry = new Registry();
  let stop = () => {};
  if (enabled) {
    collectDefaultMetrics({ register: registry, prefix: 'parley_', eventLoopMonitoringPrecision: 10 });
    stop = monitorEventLoopDelay(registry);
  }
  return {
    enabled,
    stop,
    exposition: exposeWith ? exposeWith(registry) : () => registry.metrics(),
    turns: new Counter({
      name: 'parley_turns_total',
      help: 'Chat turns by how they were answered (generated, extractive, degraded) and the model that answered',
      labelNames: ['mode', 'model'],
      registers: [registry],
    }),
    timeToFirstToken: new Histogram({
      name: 'parley_time_to_first_token_seconds',
      help: 'From the request to the first answer token',
      labelNames: ['mode'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    modelAttempts: new Counter({
      name: 'parley_model_attempts_total',
      help: 'Calls to each configured model by outcome (answered, failed, skipped); failed and skipped mean a fallback',
      labelNames: ['model', 'outcome'],
      registers: [registry],
    }),
    stageDuration: new Histogram({
      name: 'parley_turn_stage_duration_seconds',
      help: 'Time per turn stage: auth, bot, retrieval, assembly, model_first_token (the answering model), first_token, total',
      labelNames: ['stage'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    retrievalCache: new Counter({
      name: 'parley_retrieval_cache_requests_total',
      help: 'Retrievals answered from the retrieval cache (hit) or the database (miss)',
      labelNames: ['result'],
      registers: [registry],
    }),
    intents: new Counter({
      name: 'parley_intents_total',
      help: 'Messages by the intent the orchestrator read (greeting, thanks, question, follow_up, vague, human, out_of_scope, action) and the handler that answered',
      labelNames: ['intent', 'handler'],
      registers: [registry],
    }),
    unstoredAcknowledgements: new Counter({
      name: 'parley_turns_acknowledged_unstored_total',
      help: 'Turns acknowledged to their client (JSON 200, SSE done) before they were stored: the write took longer than PARLEY_ACK_WAIT_MS (timeout) or was given up (failed). A crash can lose these.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    streamResumes: new Counter({
      name: 'parley_stream_resumes_total',
      help: 'Streamed answers resumed with GET /v1/turns/{id}/stream, by result: completed (read to its end), left (the client left again), lost (the rest could not be had), not_found (unknown or expired)',
      labelNames: ['result'],
      registers: [registry],
    }),
    toolCalls: new Counter({
      name: 'parley_tool_calls_total',
      help: "Calls of Parley's tools, by source (builtin, the tenant's http tools, mcp:<server>) and outcome (ok, tool_error, invalid_arguments, unknown_tool, timeout, failed, circuit_open, busy, approval_required)",
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
    toolDuration: new Histogram({
      name: 'parley_tool_duration_seconds',
      help: "Time one call of Parley's tools took, queueing included, by source",
      labelNames: ['source'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    understandModelCalls: new Counter({
      name: 'parley_understand_model_calls_total',
      help: "Calls of the model step of understanding a message, by result: ok, or error, timeout, invalid (the classifier's intent and the rules' standalone question stood)",
      labelNames: ['result'],
      registers: [registry],
    }),
    answerCache: new Counter({
      name: 'parley_answer_cache_requests_total',
      help: 'Messages the answer cache could answer: answered from it for the same question (hit) or a similar one (semantic_hit), or answered afresh (miss)',
      labelNames: ['result'],
      registers: [registry],
    }),
    answerCacheSaved: new Counter({
      name: 'parley_answer_cache_saved_usd_total',
      help: 'What the answers given from the answer cache cost when first given (USD): what the cache saved',
      registers: [registry],
    }),
    guardTriggers: new Counter({
      name: 'parley_guard_triggers_total',
      help: 'Guard decisions: input (size, injection, topic, pii) and output (redacted PII by type, link, system_prompt)',
      labelNames: ['stage', 'kind'],
      registers: [registry],
    }),
    semanticGuard: new Counter({
      name: 'parley_guard_semantic_total',
      help: 'Messages the fast injection guard was unsure of, decided by the semantic stage (attack, benign) or not (degraded: it failed or ran out of time, and the fast verdict stood)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    retrievalRelevance: new Counter({
      name: 'parley_retrieval_relevance_total',
      help: 'Turns whose best passages covered the question enough to answer (hit) or not (miss); the hit rate is hit / (hit + miss)',
      labelNames: ['outcome'],
      registers: [registry],
    }),

    registry,
    httpRequests: new Counter({
      name: 'parley_http_requests_total',
      help: 'HTTP requests by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'parley_http_request_duration_seconds',
      help: 'HTTP request duration (until the response ends, streams included)',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    turnDuration: new Histogram({
      name: 'parley_turn_duration_seconds',
      help: 'Chat turn duration from request to last token',
      labelNames: ['mode'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    retrievalDuration: new Histogram({
      name: 'parley_retrieval_duration_seconds',
      help: 'Retrieval (search and fusion) duration per turn',
      labelNames: ['retriever'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
}
