// A prepared turn's plan for the orchestrator's unit tests: a bot (with or without models), the
// input guard's verdict, what retrieval found; and a scripted chat model for a real model chain.

import { ParleyError } from '../../src/errors/index.js';
import { DEFAULT_GUARD_POLICY } from '../../src/guard/index.js';
import type { RetrievedChunk } from '../../src/knowledge/index.js';
import { type ChatModel, ModelChain, ModelRouter, type TokenUsage } from '../../src/models/index.js';
import { DEFAULT_INTENT_POLICY, type TurnPlan } from '../../src/orchestrator/index.js';

/** A retrieved passage about `text`. */
export function passage(chunkId: number, text: string, extra: Partial<RetrievedChunk> = {}): RetrievedChunk {
  return {
    chunkId,
    documentId: `doc-${chunkId}`,
    title: `Document ${chunkId}`,
    source: null,
    headingPath: 'Guide',
    text,
    tokenCount: text.split(/\s+/).length,
    score: 1 / chunkId,
    signals: { keyword: { rank: chunkId, score: 1 / chunkId } },
    ...extra,
  };
}

export const REFUND_PASSAGE = passage(
  1,
  'Refunds are paid within 14 days of the return. A refund goes back to the card used to pay.',
);

/** What a scripted model does: answer `pieces` (then break off with `breakWith`), or fail at once. */
export interface Script {
  pieces?: string[];
  breakWith?: string;
  failWith?: string;
  usage?: TokenUsage;
}

/** A chat model that follows `script` (a fake model: for pipeline logic only). */
export function scriptedModel(id: string, script: Script): ChatModel {
  return {
    id,
    provider: id.split(':')[0] ?? id,
    async *stream() {
      if (script.failWith)
        throw new ParleyError('PARLEY_ERR_DEPENDENCY', script.failWith, { isRetryable: false });
      for (const piece of script.pieces ?? []) yield piece;
      if (script.breakWith)
        throw new ParleyError('PARLEY_ERR_DEPENDENCY', script.breakWith, { isRetryable: false });
      return script.usage ?? { inputTokens: 12, outputTokens: 5 };
    },
  };
}

/** A router over one chain of `models`. */
export function routerOf(models: ChatModel[]): ModelRouter {
  const chain = new ModelChain(models, { lastModelAttempts: 1 });
  return new ModelRouter(chain, undefined, { queryTokens: 0, conversationMessages: 0, belowCoverage: 0 });
}

/** A plan asking `message` of a bot answering with `router` (extractive without one). */
export function turnPlan(
  options: {
    message?: string;
    router?: ModelRouter;
    chunks?: RetrievedChunk[];
    blocked?: string;
    conversationId?: string;
    history?: boolean;
  } = {},
): TurnPlan {
  const message = options.message ?? 'How long do refunds take?';
  return {
    bot: {
      id: 'support',
      name: 'Support',
      router: options.router,
      prompt: { id: 'prompt-1', text: 'Answer from the passages.' },
      topK: 5,
      contextTokens: 4000,
      maxAnswerTokens: 1024,
      minRelevance: 0.2,
      guard: DEFAULT_GUARD_POLICY,
      answerCache: true,
      intents: DEFAULT_INTENT_POLICY,
      curatedMinScore: 0.85,
      memory: false,
      tools: { allow: [], maxSteps: 4, approver: 'user' },
      fingerprint: 'support-1',
    },
    guards: [],
    input: options.blocked
      ? {
          action: 'block',
          text: message,
          decisions: [{ kind: 'topic', rule: 'deny' }],
          refusal: options.blocked,
        }
      : { action: 'allow', text: message, decisions: [] },
    request: {
      tenantId: 'tenant-1',
      message,
      ...(options.conversationId ? { conversationId: options.conversationId } : {}),
      ...(options.history ? { history: [] } : {}),
      timings: { auth: 1, queue: 0 },
      traceExtras: { otel_trace_id: 'trace-1' },
    },
    conversationId: options.conversationId ?? 'conversation-1',
    turnId: 'turn-1',
    search: {
      chunks: options.chunks ?? [REFUND_PASSAGE],
      failures: [],
      cache: 'miss',
      keywordIndex: 'memory',
    },
    memory: { summary: null, recent: [], state: 'active' },
    start: { memory: { summary: null, recent: [], state: 'active' }, version: 0 },
    nextState: 'active',
    timings: { bot: 2, guard: 3, prepare: 4, retrieval: 4 },
    receivedAt: new Date('2026-01-01T00:00:00Z'),
    startedAt: 1000,
  };
}
