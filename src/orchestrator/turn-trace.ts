// Builds what a turn records of itself (its trace) from the plan, the turn recorder's record of
// the answer and how the turn ended. Pure: the clock's reading is passed in.
import { compactPrompt } from './trace-prompt.js';
import type { TurnPlan } from './turn-plan.js';
import { type AnswerRecord, finishReasonOf, type TurnOutcome, turnUsage } from './turn-recorder.js';
import type { TurnTrace } from './turn-types.js';
import type { ModelReading } from './understand-with-model.js';

/** What the trace needs beside the plan and the record. */
export interface TraceFacts {
  /** The retriever's name. */
  retriever: string;
  /** How well the passages the answer may use cover the question. */
  relevance: number;
  /** When the turn finished (performance.now()), for the total. */
  finishedAt: number;
}

export function turnTrace(
  plan: TurnPlan,
  state: AnswerRecord,
  outcome: TurnOutcome,
  facts: TraceFacts,
): TurnTrace {
  const { bot, search, input, request } = plan;
  const answering = state.attempts.find((attempt) => attempt.outcome === 'answered');
  return {
    turn_id: plan.turnId,
    conversation_id: plan.conversationId,
    bot: bot.id,
    mode: state.mode,
    model: state.model ?? null,
    attempts: state.attempts,
    completed: outcome.completed && state.failure === undefined,
    error: state.failure ?? null,
    retriever: facts.retriever,
    degraded: search.failures,
    retrieval_cache: search.cache ?? null,
    answer_cache: answerCacheTrace(plan),
    tools: plan.tools
      ? {
          offered: plan.tools.specs.map((spec) => spec.name),
          unavailable: plan.tools.unavailable,
          steps: state.toolSteps.map((step) => ({
            model: step.model,
            input_tokens: step.usage.inputTokens,
            output_tokens: step.usage.outputTokens,
            parley_ms: step.parleyMs,
            calls: step.calls,
          })),
          stopped: state.toolsStopped ?? null,
        }
      : null,
    standalone_question: plan.standaloneQuestion ?? null,
    standalone_source:
      plan.standaloneQuestion === undefined
        ? null
        : plan.standaloneQuestion === plan.modelReading?.standaloneQuestion
          ? 'model'
          : 'rules',
    curated: plan.curated
      ? { id: plan.curated.id, question: plan.curated.question, score: plan.curated.score }
      : null,
    intent: plan.understanding
      ? {
          name: plan.understanding.intent,
          score: plan.understanding.score,
          unsure: plan.understanding.unsure,
          handler: plan.understanding.handler,
          ...(plan.handoffReason ? { handoff_reason: plan.handoffReason } : {}),
          ...(plan.understanding.topics ? { topics: plan.understanding.topics } : {}),
        }
      : null,
    understanding: { model: modelReadingTrace(plan.modelReading) },
    keyword_index: search.keywordIndex ?? null,
    retrieved: search.chunks.map((chunk) => ({
      chunk_id: chunk.chunkId,
      document_id: chunk.documentId,
      title: chunk.title,
      heading_path: chunk.headingPath,
      score: chunk.score,
      signals: chunk.signals,
      ...(chunk.flagged ? { flagged: true } : {}),
    })),
    prompt_version: bot.prompt.id,
    routing: state.routing ?? null,
    relevance: { coverage: facts.relevance, threshold: bot.minRelevance },
    context: state.context
      ? {
          tokens: state.context.tokens,
          dropped: state.context.dropped,
          history_messages: state.context.history.length,
          memories: state.context.memories.length,
        }
      : null,
    usage: turnUsage(state, outcome.costUsd, plan),
    finish_reason: finishReasonOf(state),
    // The passages as references to their chunks: put back when the trace is read (trace-prompt.ts).
    prompt: state.prompt ? compactPrompt(state.prompt, search.chunks) : null,
    // What the guards did: rules and counts by kind, never the values they matched.
    guard: {
      input: {
        action: input.action,
        decisions: input.decisions,
        injection_score: input.injectionScore ?? null,
        // The semantic injection stage, when it was asked (the fast stage unsure).
        ...(input.deferred
          ? {
              semantic: {
                outcome: input.deferred.outcome,
                score: input.deferred.score,
                ms: input.deferred.ms,
                held_ms: input.deferred.heldMs ?? 0,
                ...(input.deferred.error ? { error: input.deferred.error } : {}),
              },
            }
          : {}),
      },
      output: { ...state.outputGuard?.counts },
      output_cut_off: state.outputGuard?.cutOff ?? false,
    },
    timings_ms: {
      ...request.timings,
      ...plan.timings,
      ...(state.assemblyMs === undefined ? {} : { assembly: state.assemblyMs }),
      ...(answering ? { model_first_token: answering.ms } : {}),
      ...(state.firstTokenMs === undefined ? {} : { first_token: state.firstTokenMs }),
      total: facts.finishedAt - plan.startedAt,
    },
    started_at: new Date(performance.timeOrigin + plan.startedAt).toISOString(),
    ...request.traceExtras,
  };
}

function answerCacheTrace(plan: Pick<TurnPlan, 'answerCache'>): TurnTrace['answer_cache'] {
  const hit = plan.answerCache?.hit;
  if (!plan.answerCache) return null;
  if (!hit) return { hit: false };
  const { kind = 'exact', similarity } = plan.answerCache;
  return {
    hit: true,
    kind,
    ...(similarity === undefined ? {} : { similarity }),
    source_turn_id: hit.turnId,
    source_mode: hit.mode,
    source_model: hit.model ?? null,
    saved_usd: hit.costUsd,
  };
}

function modelReadingTrace(reading: ModelReading | undefined): TurnTrace['understanding']['model'] {
  if (!reading) return { used: false };
  return {
    used: true,
    ok: reading.result === 'ok',
    result: reading.result,
    ms: reading.ms,
    model: reading.model ?? null,
    intent: reading.intent ?? null,
    standalone_question: reading.standaloneQuestion ?? null,
    error: reading.error ?? null,
    input_tokens: reading.tokens?.inputTokens ?? null,
    output_tokens: reading.tokens?.outputTokens ?? null,
  };
}
