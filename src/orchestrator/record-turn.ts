// Records a finished turn in the metrics (how it was answered, by which model, the time per
// stage and to its first token, every model attempt, so fallbacks are visible per model, whether
// retrieval came from the cache and found something relevant) and as OpenTelemetry spans. Spans
// for the stages are made after the fact from the turn's own timings, so tracing adds nothing to
// the critical path.

import {
  type Metrics,
  recordChildSpan,
  type Span,
  SpanStatusCode,
  type Tracing,
} from '../telemetry/index.js';
import type { Turn } from './turn.js';

/** What is recorded of a finished turn (a `Turn`, once finished). */
export type RecordedTurn = Pick<Turn, 'outcome' | 'trace' | 'startedAtEpoch'>;

/** The turn's root span and the tracer that made it. */
export interface TurnSpan {
  span: Span;
  tracing: Tracing;
}

const STAGES = [
  'auth',
  'bot',
  'guard',
  'retrieval',
  'assembly',
  'model_first_token',
  'first_token',
  'total',
] as const;

/** The finished turn's metrics and spans (the root span ends here). */
export function recordTurn(metrics: Metrics, turn: RecordedTurn, startedAt: number, traced: TurnSpan): void {
  if (metrics.enabled) recordTurnMetrics(metrics, turn, startedAt);
  if (traced.span.isRecording()) {
    // The stages' spans only for a span processor that takes them (they cost CPU on every turn).
    if (traced.tracing.exporting) recordTurnSpans(turn, traced);
    else traced.span.end();
  }
}

function recordTurnMetrics(metrics: Metrics, turn: RecordedTurn, startedAt: number): void {
  const { mode, model, attempts, firstTokenMs } = turn.outcome;
  metrics.turns.inc({ mode, model: model ?? 'none' });
  metrics.turnDuration.observe({ mode }, (performance.now() - startedAt) / 1000);
  if (firstTokenMs !== undefined) metrics.timeToFirstToken.observe({ mode }, firstTokenMs / 1000);
  for (const attempt of attempts)
    metrics.modelAttempts.inc({ model: attempt.model, outcome: attempt.outcome });
  const trace = turn.trace;
  if (trace) {
    for (const stage of STAGES) {
      const ms = trace.timings_ms[stage];
      if (ms !== undefined) metrics.stageDuration.observe({ stage }, ms / 1000);
    }
    // Retrieval alone (search and fusion), on every front end; a refused message searches nothing.
    const retrievalMs = trace.timings_ms.retrieval;
    if (retrievalMs !== undefined) {
      metrics.retrievalDuration.observe({ retriever: trace.retriever }, retrievalMs / 1000);
    }
    if (trace.retrieval_cache) metrics.retrievalCache.inc({ result: trace.retrieval_cache });
    for (const step of trace.tools?.steps ?? []) {
      for (const call of step.calls) {
        metrics.toolCalls.inc({ source: call.source, outcome: call.outcome });
        metrics.toolDuration.observe({ source: call.source }, call.ms / 1000);
      }
    }
    if (trace.intent) metrics.intents.inc({ intent: trace.intent.name, handler: trace.intent.handler });
    const understood = trace.understanding.model;
    if (understood.used) metrics.understandModelCalls.inc({ result: understood.result });
    if (trace.answer_cache) {
      const { answer_cache: cache } = trace;
      metrics.answerCache.inc({
        result: !cache.hit ? 'miss' : cache.kind === 'semantic' ? 'semantic_hit' : 'hit',
      });
      if (trace.answer_cache.hit) metrics.answerCacheSaved.inc(trace.answer_cache.saved_usd);
    }
    const relevant = trace.retrieved.length > 0 && trace.relevance.coverage >= trace.relevance.threshold;
    metrics.retrievalRelevance.inc({ outcome: relevant ? 'hit' : 'miss' });
    const semantic = trace.guard.input.semantic;
    if (semantic) {
      metrics.semanticGuard.inc({ outcome: semantic.outcome });
      metrics.stageDuration.observe({ stage: 'guard_semantic' }, semantic.ms / 1000);
      metrics.stageDuration.observe({ stage: 'first_token_hold' }, semantic.held_ms / 1000);
    }
    for (const decision of trace.guard.input.decisions) {
      metrics.guardTriggers.inc({ stage: 'input', kind: decision.kind });
    }
    for (const [kind, count] of Object.entries(trace.guard.output)) {
      if (count) metrics.guardTriggers.inc({ stage: 'output', kind }, count);
    }
  }
}

/** The stages as child spans of the turn's root span, then the root span's end. */
function recordTurnSpans(turn: RecordedTurn, { span, tracing }: TurnSpan): void {
  const trace = turn.trace;
  if (!trace) {
    span.end();
    return;
  }
  const { tracer } = tracing;
  const start = turn.startedAtEpoch;
  const end = performance.timeOrigin + performance.now();
  const timings = trace.timings_ms;
  // The turn's stages in order: bot, guard, then retrieval beside the conversation's read (prepare).
  const guarded = start + (timings.bot ?? 0) + (timings.guard ?? 0);
  // The intent step (with the model step of understanding, when it ran) comes before the search.
  const searchStart = guarded + (timings.intent ?? 0);
  recordChildSpan(
    tracer,
    span,
    'retrieval',
    { start: searchStart, end: searchStart + (timings.retrieval ?? 0) },
    {
      'parley.retrieval.retriever': trace.retriever,
      'parley.retrieval.results': trace.retrieved.length,
      'parley.retrieval.cache': trace.retrieval_cache ?? undefined,
      'parley.retrieval.coverage': trace.relevance.coverage,
    },
    trace.degraded.length > 0
      ? `degraded: ${trace.degraded.map((item) => item.retriever).join(', ')}`
      : undefined,
  );
  if (timings.assembly !== undefined) {
    const assemblyStart = searchStart + (timings.prepare ?? 0);
    recordChildSpan(
      tracer,
      span,
      'assemble_context',
      { start: assemblyStart, end: assemblyStart + timings.assembly },
      { 'parley.prompt.version': trace.prompt_version, 'parley.routing.route': trace.routing?.route },
    );
  }
  // The model step of understanding the message, after the guard; its tokens are not the answer's.
  const understood = trace.understanding.model;
  if (understood.used) {
    const [provider, ...rest] = (understood.model ?? 'none:').split(':');
    recordChildSpan(
      tracer,
      span,
      'understand_message',
      { start: guarded, end: guarded + understood.ms },
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': understood.model ? provider : undefined,
        'gen_ai.request.model': understood.model ? rest.join(':') : undefined,
        'gen_ai.usage.input_tokens': understood.input_tokens ?? undefined,
        'gen_ai.usage.output_tokens': understood.output_tokens ?? undefined,
        'parley.understand.result': understood.result,
      },
      understood.ok ? undefined : (understood.error ?? understood.result),
    );
  }
  // Every call of Parley's tools, as OpenTelemetry's GenAI conventions name it.
  const steps = trace.tools?.steps ?? [];
  for (const step of steps) {
    for (const call of step.calls) {
      recordChildSpan(
        tracer,
        span,
        `execute_tool ${call.tool}`,
        { start: call.at, end: call.at + call.ms },
        {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': call.tool,
          'gen_ai.tool.call.id': call.id,
          'gen_ai.tool.type': 'function',
          'parley.tool.source': call.source,
          'parley.tool.outcome': call.outcome,
          'parley.tool.result_chars': call.result_chars,
        },
        call.outcome === 'ok' && !call.withheld ? undefined : (call.error ?? call.withheld ?? call.outcome),
      );
    }
  }
  // The answer's own tokens: the turn's, less the understanding step's and the tool steps'.
  const besideInput =
    (understood.used ? (understood.input_tokens ?? 0) : 0) +
    steps.reduce((sum, step) => sum + step.input_tokens, 0);
  const besideOutput =
    (understood.used ? (understood.output_tokens ?? 0) : 0) +
    steps.reduce((sum, step) => sum + step.output_tokens, 0);
  const answerInput = trace.usage.prompt_tokens - besideInput;
  const answerOutput = trace.usage.completion_tokens - besideOutput;
  for (const attempt of trace.attempts) {
    const [provider, ...rest] = attempt.model.split(':');
    const answered = attempt.outcome === 'answered';
    recordChildSpan(
      tracer,
      span,
      `chat ${rest.join(':')}`,
      { start: attempt.at, end: answered ? end : attempt.at + attempt.ms },
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': provider,
        'gen_ai.system': provider,
        'gen_ai.request.model': rest.join(':'),
        ...(answered
          ? {
              'gen_ai.response.model': rest.join(':'),
              'gen_ai.usage.input_tokens': answerInput,
              'gen_ai.usage.output_tokens': answerOutput,
            }
          : {}),
        'parley.attempt.outcome': attempt.outcome,
        'http.response.status_code': attempt.status,
      },
      answered
        ? trace.completed
          ? undefined
          : (trace.error ?? 'incomplete')
        : (attempt.error ?? attempt.outcome),
    );
  }
  span.updateName(`invoke_agent ${trace.bot}`);
  span.setAttributes({
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': trace.bot,
    'gen_ai.conversation.id': trace.conversation_id,
    'gen_ai.usage.input_tokens': trace.usage.prompt_tokens,
    'gen_ai.usage.output_tokens': trace.usage.completion_tokens,
    ...(trace.model ? { 'gen_ai.response.model': trace.model } : {}),
    'parley.turn.id': trace.turn_id,
    'parley.turn.mode': trace.mode,
    'parley.prompt.version': trace.prompt_version,
  });
  if (!trace.completed) span.setStatus({ code: SpanStatusCode.ERROR, message: trace.error ?? 'incomplete' });
  span.end(end);
}
