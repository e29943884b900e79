// The turn recorder: folds generation's events into what is known of the answer so far, and
// builds the turn's result and trace from the plan, that record and how the turn ended. Pure: the
// same plan and events always make the same result and trace.
import type { Attempt, ChatMessage, FinishReason, TokenUsage, ToolCall } from '../models/index.js';
import type { ContextPlan } from './context-budget.js';
import type { Citation } from './extractive-answer.js';
import type { GenerationEvent } from './generation-events.js';
import type { TurnPlan } from './turn-plan.js';
import type { ToolStep } from './turn-tools.js';
import type { AnswerMode, TurnResult, Usage } from './turn-types.js';

/** What generation has made of a turn so far. */
export interface AnswerRecord {
  /** When the turn began (performance.now()), for the first-token timing. */
  readonly startedAt: number;
  /** The answer as sent, through the output guard. */
  readonly answer: string;
  readonly citations: Citation[];
  readonly mode: AnswerMode;
  readonly model: string | undefined;
  readonly attempts: Attempt[];
  /**
   * Attempts of earlier passes in this turn: model calls that asked for tools, and answers that
   * broke off mid-answer (JSON answers start again). The next pass's attempts follow them.
   */
  readonly brokenAttempts: Attempt[];
  readonly usage: TokenUsage;
  /** Why the answer broke off, when it did. */
  readonly failure: string | undefined;
  readonly firstTokenMs: number | undefined;
  readonly context: ContextPlan | undefined;
  readonly routing: { route: string; reasons: string[] } | undefined;
  /** The prompt as sent to the model (system and messages), for the trace. */
  readonly prompt: { system: string; messages: ChatMessage[] } | undefined;
  /** How long assembling the prompt took (ms), when a model was asked. */
  readonly assemblyMs: number | undefined;
  readonly outputGuard: { counts: Record<string, number | undefined>; cutOff: boolean } | undefined;
  /** Why the answer ended, when not simply at its end (`length`: at its token limit). */
  readonly finishReason: FinishReason | undefined;
  /** The client's tools the model asked to be called. */
  readonly toolCalls: ToolCall[] | undefined;
  /** Model calls that asked for Parley's tools, and what the tools did. */
  readonly toolSteps: ToolStep[];
  /** Why the model answered without Parley's tools at the end, when it was made to. */
  readonly toolsStopped: 'step_limit' | 'invalid_arguments' | undefined;
}

/** The record of a turn before any answer: generated when the bot has models, else extractive. */
export function startRecord(plan: Pick<TurnPlan, 'bot' | 'startedAt'>): AnswerRecord {
  return {
    startedAt: plan.startedAt,
    answer: '',
    citations: [],
    mode: plan.bot.router ? 'generated' : 'extractive',
    model: undefined,
    attempts: [],
    brokenAttempts: [],
    usage: { inputTokens: 0, outputTokens: 0 },
    failure: undefined,
    firstTokenMs: undefined,
    context: undefined,
    routing: undefined,
    prompt: undefined,
    assemblyMs: undefined,
    outputGuard: undefined,
    finishReason: undefined,
    toolCalls: undefined,
    toolSteps: [],
    toolsStopped: undefined,
  };
}

/** `state` with `event` folded in. */
export function record(state: AnswerRecord, event: GenerationEvent): AnswerRecord {
  switch (event.type) {
    case 'mode':
      return { ...state, mode: event.mode };
    case 'context':
      return { ...state, context: event.context };
    case 'route':
      return { ...state, routing: { route: event.route, reasons: event.reasons } };
    case 'prompt':
      return {
        ...state,
        prompt: { system: event.system, messages: event.messages },
        assemblyMs: event.assemblyMs,
      };
    case 'model':
      return { ...state, model: event.model, attempts: [...state.brokenAttempts, ...event.attempts] };
    case 'attempts':
      return { ...state, attempts: [...state.brokenAttempts, ...event.attempts] };
    case 'token':
      return {
        ...state,
        answer: state.answer + event.text,
        firstTokenMs: state.firstTokenMs ?? event.at - state.startedAt,
      };
    case 'output-guard':
      return { ...state, outputGuard: { counts: event.counts, cutOff: event.cutOff } };
    case 'usage':
      return {
        ...state,
        usage: event.usage,
        finishReason: event.usage.finishReason ?? state.finishReason,
        toolCalls: event.usage.toolCalls ?? state.toolCalls,
      };
    case 'tool-step':
      // The step's model call is over: the next call's attempts follow it.
      return { ...state, toolSteps: [...state.toolSteps, event.step], brokenAttempts: state.attempts };
    case 'tools-stopped':
      return { ...state, toolsStopped: event.reason };
    case 'finish':
      return { ...state, finishReason: event.reason };
    case 'citations':
      return { ...state, citations: event.citations };
    case 'failure':
      return { ...state, failure: event.message };
    case 'restart': {
      // The model's answer that broke off counts as failed; the next pass adds its own attempts.
      const brokenAttempts = state.attempts.map(
        (attempt): Attempt =>
          attempt.model === event.model && attempt.outcome === 'answered'
            ? { ...attempt, outcome: 'failed', error: event.error }
            : attempt,
      );
      return {
        ...state,
        answer: '',
        brokenAttempts,
        attempts: brokenAttempts,
        model: undefined,
        failure: undefined,
      };
    }
    case 'abandon':
      return { ...state, answer: '', failure: undefined };
  }
}

/** What a turn answered without a model is accounted as, by mode (others: `extractive`). */
const ACCOUNTED_AS: Partial<Record<AnswerMode, string>> = {
  not_found: 'none',
  small_talk: 'none',
  clarify: 'none',
  handoff: 'none',
  handed_off: 'none',
  curated: 'none',
  cached: 'cache',
};

/** What the accounting prices: the model that answered (or how the turn was answered without one) and its tokens. */
export function answerAccounting(
  state: AnswerRecord,
  plan?: Pick<TurnPlan, 'answerCache' | 'modelReading'>,
): {
  model: string;
  generated: boolean;
  tokens: TokenUsage;
  aside?: AsideCall[];
  savedUsd?: number;
} {
  const generated = state.mode === 'generated' && state.model !== undefined;
  const cached = state.mode === 'cached' ? plan?.answerCache?.hit : undefined;
  const aside = asideCalls(plan, state);
  return {
    model: generated ? state.model! : (ACCOUNTED_AS[state.mode] ?? 'extractive'),
    generated,
    tokens: state.usage,
    ...(aside.length > 0 ? { aside } : {}),
    ...(cached ? { savedUsd: cached.costUsd } : {}),
  };
}

/** A model call beside the answer, charged to the turn. */
export interface AsideCall {
  model: string;
  tokens: TokenUsage;
}

/**
 * The turn's model calls beside the answer: the model step of understanding, when it was
 * answered, and each call that asked for Parley's tools (the answer is the last call's).
 */
export function asideCalls(
  plan?: Pick<TurnPlan, 'modelReading'>,
  state?: Pick<AnswerRecord, 'toolSteps'>,
): AsideCall[] {
  const reading = plan?.modelReading;
  const calls: AsideCall[] =
    reading?.model && reading.tokens ? [{ model: reading.model, tokens: reading.tokens }] : [];
  for (const step of state?.toolSteps ?? []) calls.push({ model: step.model, tokens: step.usage });
  return calls;
}

/** How the turn ended, as the front end and the accounting see it. */
export interface TurnOutcome {
  completed: boolean;
  /** What the accounting priced the turn at (the gateway, once per turn). */
  costUsd: number;
}

/** The turn's usage as returned and stored: the answer's tokens and those of the calls beside it. */
export function turnUsage(
  state: AnswerRecord,
  costUsd: number,
  plan?: Pick<TurnPlan, 'modelReading'>,
): Usage {
  let input = state.usage.inputTokens;
  let output = state.usage.outputTokens;
  for (const call of asideCalls(plan, state)) {
    input += call.tokens.inputTokens;
    output += call.tokens.outputTokens;
  }
  return {
    // Ten decimals: a millionth of a cent, without binary-float noise in the JSON.
    cost_usd: Math.round(costUsd * 1e10) / 1e10,
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    model: answerAccounting(state).model,
  };
}

/** Why the answer ended, as OpenAI says it: at its end (`stop`), its limit, or a provider's filter. */
export function finishReasonOf(state: AnswerRecord): TurnResult['finish_reason'] {
  if (state.toolCalls?.length) return 'tool_calls';
  return state.finishReason === 'length' || state.finishReason === 'content_filter'
    ? state.finishReason
    : 'stop';
}

/** What a finished turn returns to the client. */
export function turnResult(
  plan: Pick<TurnPlan, 'bot' | 'conversationId' | 'turnId' | 'modelReading'>,
  state: AnswerRecord,
  outcome: TurnOutcome,
): TurnResult {
  return {
    conversation_id: plan.conversationId,
    turn_id: plan.turnId,
    answer: state.answer,
    citations: state.citations,
    usage: turnUsage(state, outcome.costUsd, plan),
    mode: state.mode,
    ...(state.mode === 'generated' && state.model ? { model: state.model } : {}),
    bot: plan.bot.id,
    finish_reason: finishReasonOf(state),
    ...(state.toolCalls?.length ? { tool_calls: state.toolCalls } : {}),
  };
}
