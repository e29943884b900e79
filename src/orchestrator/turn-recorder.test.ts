import { describe, expect, it } from 'vitest';
import { REFUND_PASSAGE, routerOf, scriptedModel, turnPlan } from '../../test/support/turn-plan.js';
import type { Attempt } from '../models/index.js';
import type { ContextPlan } from './context-budget.js';
import type { Citation } from './extractive-answer.js';
import type { GenerationEvent } from './generation-events.js';
import type { TurnPlan } from './turn-plan.js';
import { answerAccounting, record, startRecord, turnResult } from './turn-recorder.js';
import { turnTrace } from './turn-trace.js';

const modelPlan = turnPlan({ router: routerOf([scriptedModel('openai:small', {})]) });
const extractivePlan = turnPlan();

const citation: Citation = {
  document_id: 'doc-1',
  title: 'Document 1',
  source: null,
  snippet: 'Refunds',
  chunk_id: 1,
  score: 1,
};
const answered = (model: string, at = 5000): Attempt => ({ model, outcome: 'answered', ms: 40, at });
const failed = (model: string): Attempt => ({
  model,
  outcome: 'failed',
  error: 'HTTP 500',
  status: 500,
  ms: 7,
  at: 4990,
});
const context: ContextPlan = {
  memories: [],
  passages: [REFUND_PASSAGE],
  history: [],
  dropped: [],
  tokens: { system: 5, question: 6, memories: 0, passages: 20, history: 0, budget: 4000 },
};
const guarded = (counts: Record<string, number> = {}, cutOff = false): GenerationEvent => ({
  type: 'output-guard',
  counts,
  cutOff,
});
const token = (text: string, at: number): GenerationEvent => ({ type: 'token', text, at });
/** What generation reports before the model's first token. */
const prepared: GenerationEvent[] = [
  guarded(),
  { type: 'context', context },
  { type: 'route', route: 'default', reasons: [] },
  { type: 'prompt', system: 'Answer.', messages: [{ role: 'user', content: 'q' }], assemblyMs: 2 },
];

function finished(
  plan: TurnPlan,
  events: GenerationEvent[],
  outcome = { completed: true, costUsd: 0.000123 },
) {
  const state = events.reduce(record, startRecord(plan));
  return {
    state,
    result: turnResult(plan, state, outcome),
    trace: turnTrace(plan, state, outcome, { retriever: 'hybrid', relevance: 0.5, finishedAt: 1500 }),
  };
}

describe('turn recorder', () => {
  it('records a generated answer: the model, its tokens, usage, citations and the first token', () => {
    const { state, result, trace } = finished(modelPlan, [
      ...prepared,
      { type: 'model', model: 'openai:small', attempts: [answered('openai:small')] },
      guarded(),
      token('Fourteen ', 1100),
      guarded(),
      token('days.', 1120),
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 4 } },
      guarded(),
      { type: 'citations', citations: [citation] },
    ]);
    expect(result).toEqual({
      conversation_id: 'conversation-1',
      turn_id: 'turn-1',
      answer: 'Fourteen days.',
      citations: [citation],
      usage: {
        cost_usd: 0.000123,
        prompt_tokens: 30,
        completion_tokens: 4,
        total_tokens: 34,
        model: 'openai:small',
      },
      mode: 'generated',
      model: 'openai:small',
      bot: 'support',
      finish_reason: 'stop',
    });
    expect(answerAccounting(state)).toEqual({
      model: 'openai:small',
      generated: true,
      tokens: { inputTokens: 30, outputTokens: 4 },
    });
    expect(trace).toMatchObject({
      mode: 'generated',
      model: 'openai:small',
      attempts: [answered('openai:small')],
      completed: true,
      error: null,
      routing: { route: 'default', reasons: [] },
      context: { tokens: context.tokens, dropped: [], history_messages: 0 },
      prompt: { system: 'Answer.', messages: [{ role: 'user', content: 'q' }] },
      usage: result.usage,
    });
    // Generation's timings follow preparation's, in the order the stages ran.
    expect(Object.entries(trace.timings_ms).slice(-4)).toEqual([
      ['assembly', 2],
      ['model_first_token', 40],
      ['first_token', 100],
      ['total', 500],
    ]);
  });

  it('records an answer that broke off mid-stream: the partial answer, incomplete, with the error', () => {
    const { result, trace } = finished(
      modelPlan,
      [
        ...prepared,
        { type: 'model', model: 'openai:small', attempts: [answered('openai:small')] },
        guarded(),
        token('Fourteen ', 1100),
        { type: 'failure', message: 'stream cut' },
        { type: 'citations', citations: [] },
      ],
      { completed: false, costUsd: 0 },
    );
    expect(result).toMatchObject({ answer: 'Fourteen ', mode: 'generated', model: 'openai:small' });
    expect(trace).toMatchObject({ completed: false, error: 'stream cut', model: 'openai:small' });
  });

  it('records a degraded answer when every model failed: extractive, priced as such, attempts kept', () => {
    const { state, result, trace } = finished(modelPlan, [
      ...prepared,
      { type: 'attempts', attempts: [failed('openai:small')] },
      { type: 'mode', mode: 'degraded' },
      { type: 'citations', citations: [citation] },
      guarded(),
      token('Refunds ', 1200),
      guarded(),
    ]);
    expect(result).toMatchObject({ answer: 'Refunds ', mode: 'degraded', citations: [citation] });
    expect(result).not.toHaveProperty('model');
    expect(result.usage.model).toBe('extractive');
    expect(answerAccounting(state)).toMatchObject({ model: 'extractive', generated: false });
    expect(trace).toMatchObject({
      mode: 'degraded',
      model: null,
      attempts: [failed('openai:small')],
      completed: true,
    });
    expect(trace.timings_ms).not.toHaveProperty('model_first_token');
    expect(trace.timings_ms.first_token).toBe(200);
  });

  it('records a refusal: no model, no prompt, no routing, and the input guard verdict', () => {
    const plan = turnPlan({ router: modelPlan.bot.router, blocked: 'I cannot help with that.' });
    const { result, trace } = finished(plan, [
      guarded(),
      { type: 'mode', mode: 'refused' },
      { type: 'citations', citations: [] },
      token('I ', 1010),
      token('cannot help with that.', 1011),
    ]);
    expect(result).toMatchObject({ answer: 'I cannot help with that.', mode: 'refused', citations: [] });
    expect(result.usage.model).toBe('extractive');
    expect(trace).toMatchObject({
      mode: 'refused',
      routing: null,
      context: null,
      prompt: null,
      guard: {
        input: { action: 'block', decisions: [{ kind: 'topic', rule: 'deny' }], injection_score: null },
        output: {},
        output_cut_off: false,
      },
    });
    expect(trace.timings_ms).not.toHaveProperty('assembly');
  });

  it('records "nothing found" as answered by no model at all', () => {
    const { state, result } = finished(modelPlan, [
      guarded(),
      { type: 'mode', mode: 'not_found' },
      { type: 'citations', citations: [] },
      token('I could not find anything.', 1005),
    ]);
    expect(result).toMatchObject({ mode: 'not_found', usage: { model: 'none', total_tokens: 0 } });
    expect(answerAccounting(state)).toEqual({
      model: 'none',
      generated: false,
      tokens: { inputTokens: 0, outputTokens: 0 },
    });
  });

  it('records an extractive answer for a bot without models', () => {
    const { result, trace } = finished(extractivePlan, [
      guarded(),
      { type: 'citations', citations: [citation] },
      token('Refunds are paid within 14 days.', 1003),
      guarded({ pii: 1 }),
    ]);
    expect(result).toMatchObject({
      mode: 'extractive',
      usage: { model: 'extractive' },
      citations: [citation],
    });
    expect(trace).toMatchObject({
      mode: 'extractive',
      model: null,
      attempts: [],
      guard: { output: { pii: 1 } },
    });
  });

  it('records an answer cut at its token limit as finish_reason "length", said by the model or by generation', () => {
    const byModel = finished(modelPlan, [
      ...prepared,
      token('Fourteen', 1100),
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 1, finishReason: 'length' } },
    ]);
    expect(byModel.result.finish_reason).toBe('length');
    expect(byModel.trace.finish_reason).toBe('length');
    const written = finished(extractivePlan, [
      { type: 'citations', citations: [citation] },
      token('Refunds are', 1003),
      { type: 'finish', reason: 'length' },
    ]);
    expect(written.result.finish_reason).toBe('length');
    // A provider's own reason that OpenAI clients do not know reads as an ordinary end.
    const other = finished(modelPlan, [
      ...prepared,
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 1, finishReason: 'other' } },
    ]);
    expect(other.result.finish_reason).toBe('stop');
  });

  it('records a whole answer that starts again after a model broke off: the failed attempt, then the next model', () => {
    const { result, trace } = finished(modelPlan, [
      ...prepared,
      { type: 'model', model: 'openai:small', attempts: [answered('openai:small')] },
      guarded(),
      token('Four', 1100),
      { type: 'failure', message: 'stream cut' },
      { type: 'citations', citations: [] },
      { type: 'restart', model: 'openai:small', error: 'stream cut' },
      ...prepared,
      { type: 'model', model: 'openai:big', attempts: [answered('openai:big', 5100)] },
      guarded(),
      token('Fourteen days.', 1300),
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 4 } },
      { type: 'citations', citations: [citation] },
    ]);
    expect(result).toMatchObject({ answer: 'Fourteen days.', mode: 'generated', model: 'openai:big' });
    expect(trace).toMatchObject({
      model: 'openai:big',
      completed: true,
      error: null,
      attempts: [
        { ...answered('openai:small'), outcome: 'failed', error: 'stream cut' },
        answered('openai:big', 5100),
      ],
    });
    // The first token the user could have seen was the broken model's.
    expect(trace.timings_ms.first_token).toBe(100);
  });

  it('records a whole answer given up with no model left: degraded, without the error', () => {
    const { result, trace } = finished(modelPlan, [
      ...prepared,
      { type: 'failure', message: 'socket hang up' },
      { type: 'abandon' },
      { type: 'mode', mode: 'degraded' },
      { type: 'citations', citations: [citation] },
    ]);
    expect(result).toMatchObject({ answer: '', mode: 'degraded', citations: [citation] });
    expect(trace).toMatchObject({ completed: true, error: null });
  });

  it('folds without changing the record it is given', () => {
    const start = startRecord(modelPlan);
    const copy = structuredClone(start);
    record(start, token('a', 1001));
    record(start, { type: 'mode', mode: 'degraded' });
    expect(start).toEqual(copy);
  });
});
