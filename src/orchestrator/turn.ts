// A prepared turn's answer: streamed through the output guards (or generated whole), then
// finished into its result and trace and stored after the response. Driven by the turn runner.
import { randomUUID } from 'node:crypto';
import { guardPassages, type OutputFilter, outputFilter } from '../guard/index.js';
import type { BackgroundRunner } from '../jobs/index.js';
import type { RetrievedChunk } from '../knowledge/index.js';
import { type Attempt, type ChatMessage, ModelsUnavailableError, type TokenUsage } from '../models/index.js';
import type { Database, GroupWriter } from '../storage/index.js';
import type { BotProfile } from './bots/bots.js';
import { type ContextPlan, planContext } from './context-budget.js';
import type { ConversationCache } from './conversation-cache.js';
import { RECENT_MESSAGES, updateSummary } from './conversation-memory.js';
import type { TurnRecord } from './conversation-store.js';
import {
  type Citation,
  DEGRADED_LABEL,
  EXTRACTIVE_LABEL,
  extractiveAnswer,
  NOTHING_FOUND,
  snippetOf,
} from './extractive-answer.js';
import { citationsFor, groundedUserMessage } from './grounded-prompt.js';
import { questionCoverage } from './relevance.js';
import type { TurnPlan } from './turn-plan.js';
import type { AnswerMode, TurnResult, TurnTrace, Usage } from './turn-types.js';

/** Conversations whose first turn is answered but not stored yet (their owner knows them). */
export interface PendingRelease {
  release(conversationId: string): void;
}

/** What a turn needs of the process to store itself. */
export interface TurnDeps {
  db: Database;
  retriever: { readonly name: string };
  /** Where the turn's writes after the response run (retried, drained on shutdown). */
  tasks: BackgroundRunner;
  pending: PendingRelease;
  /** Conversations answered lately: their memory after each finished turn, stored or not. */
  conversations: ConversationCache;
  /** Finished turns, written in groups (one statement for all that finish together). */
  turns: GroupWriter<TurnRecord>;
}

const words = (text: string) => text.match(/\S+\s*/g) ?? [];

/** A turn whose retrieval is done; `tokens()` streams the answer, `finish()` records it. */
export class Turn {
  private finished = false;
  private answer = '';
  private citations: Citation[] = [];
  private mode: AnswerMode;
  private model: string | undefined;
  private attempts: Attempt[] = [];
  /** Attempts that broke off mid-answer earlier in this turn (JSON answers start again). */
  private brokenAttempts: Attempt[] = [];
  private tokenUsage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  private failure: string | undefined;
  private firstTokenMs: number | undefined;
  private context: ContextPlan | undefined;
  private routing: { route: string; reasons: string[] } | undefined;
  private readonly relevance: number;
  /** The retrieved passages the answer may use: flagged ones dropped or last, per the guard policy. */
  private readonly passages: RetrievedChunk[];
  /** The prompt as sent to the model (system and messages), for the trace. */
  private prompt: { system: string; messages: ChatMessage[] } | undefined;
  /** The answer as generated (before the output guard): what citations are read from. */
  private raw = '';
  private outputGuard: OutputFilter | undefined;
  private record: TurnTrace | undefined;

  /** Generation's own timings (assembly), beside the plan's. */
  private readonly timings: Record<string, number | undefined> = {};

  constructor(
    private readonly deps: TurnDeps,
    private readonly plan: TurnPlan,
  ) {
    this.mode = plan.bot.router ? 'generated' : 'extractive';
    this.passages = guardPassages(plan.guards, plan.search.chunks, plan.bot.guard);
    this.relevance = questionCoverage(plan.request.message, this.passages);
  }

  get bot(): BotProfile {
    return this.plan.bot;
  }

  get conversationId(): string {
    return this.plan.conversationId;
  }

  get turnId(): string {
    return this.plan.turnId;
  }

  /**
   * The answer in pieces as soon as they exist. With models configured, the model chain's
   * tokens; when every model fails before its first token, the extractive answer labelled as
   * degraded. A model stream that breaks after tokens were sent throws (the caller ends the
   * stream with an error); so does `signal` aborting, which cancels the provider call.
   */
  async *tokens(signal?: AbortSignal, exclude: readonly string[] = []): AsyncGenerator<string> {
    // Everything the user sees passes the output guards.
    const guard = outputFilter(this.plan.guards, this.bot.guard, { systemPrompt: this.bot.prompt.text });
    this.outputGuard = guard;
    this.answer = '';
    const emit = (text: string) => {
      this.firstTokenMs ??= performance.now() - this.plan.startedAt;
      this.answer += text;
      return text;
    };
    for await (const piece of this.rawTokens(signal, exclude)) {
      const safe = guard.push(piece);
      if (safe) yield emit(safe);
      // A leak was cut off: stop generating (returning ends the model call).
      if (guard.cutOff) break;
    }
    const rest = guard.end();
    if (rest) yield emit(rest);
  }

  /** The answer as generated, before the output guard. */
  private async *rawTokens(
    signal: AbortSignal | undefined,
    exclude: readonly string[],
  ): AsyncGenerator<string> {
    this.raw = '';
    const router = this.bot.router;
    if (this.plan.input.action === 'block') {
      // The input guard stopped the message: a polite refusal, and nothing reaches a model.
      this.mode = 'refused';
      yield* this.say(this.plan.input.refusal ?? NOTHING_FOUND);
      return;
    }
    if (this.passages.length === 0 || this.relevance < this.bot.minRelevance) {
      // Nothing relevant enough: say so, and spend no model call on a guess.
      this.mode = 'not_found';
      yield* this.say(NOTHING_FOUND);
      return;
    }
    if (!router) {
      yield* this.extractive(EXTRACTIVE_LABEL);
      return;
    }
    const assemblyStarted = performance.now();
    const system = this.plan.memory.summary
      ? `${this.bot.prompt.text}\n\nSummary of the earlier conversation:\n${this.plan.memory.summary}`
      : this.bot.prompt.text;
    this.context = planContext({
      system,
      question: this.plan.request.message,
      passages: this.passages,
      history: this.plan.memory.recent,
      budget: { total: this.bot.contextTokens, passageShare: 0.65 },
    });
    const passages = this.context.passages;
    const { chain, route, reasons } = router.route({
      queryTokens: this.context.tokens.question,
      conversationMessages: this.plan.memory.recent.length + (this.plan.memory.summary ? RECENT_MESSAGES : 0),
      coverage: this.relevance,
      preferCheapest: this.plan.request.preferCheapest,
    });
    this.routing = { route, reasons };
    const messages: ChatMessage[] = [
      ...this.context.history,
      { role: 'user', content: groundedUserMessage(this.plan.request.message, passages) },
    ];
    this.prompt = { system, messages };
    this.timings.assembly = performance.now() - assemblyStarted;
    try {
      for await (const event of chain.stream({ system, messages, signal }, { exclude })) {
        if (event.type === 'model') {
          this.model = event.model;
          this.attempts = [...this.brokenAttempts, ...event.attempts];
        } else if (event.type === 'text') {
          this.raw += event.text;
          yield event.text;
        } else {
          this.tokenUsage = event.usage;
        }
      }
      this.citations = citationsFor(this.raw, passages, snippetOf);
    } catch (error) {
      if (error instanceof ModelsUnavailableError) {
        this.attempts = [...this.brokenAttempts, ...error.attempts];
        this.mode = 'degraded';
        yield* this.extractive(DEGRADED_LABEL);
        return;
      }
      this.failure = error instanceof Error ? error.message : String(error);
      this.citations = citationsFor(this.raw, passages, snippetOf);
      throw error;
    }
  }

  /** The turn's trace, once `finish()` has made it. */
  get trace(): TurnTrace | undefined {
    return this.record;
  }

  /** When the turn began (epoch ms), for spans. */
  get startedAtEpoch(): number {
    return performance.timeOrigin + this.plan.startedAt;
  }

  /** What the metrics need once the turn is over. */
  get outcome(): {
    mode: AnswerMode;
    model: string | undefined;
    attempts: Attempt[];
    firstTokenMs: number | undefined;
    tokens: TokenUsage;
  } {
    return {
      mode: this.mode,
      model: this.model,
      attempts: this.attempts,
      firstTokenMs: this.firstTokenMs,
      tokens: this.tokenUsage,
    };
  }

  /**
   * Generates the whole answer at once (JSON responses); `finish()` then records it. Nothing has
   * been sent yet when a model breaks off mid-answer, so the next models in the chain start the
   * answer afresh; when none is left, the answer is extractive, labelled degraded, rather than
   * an error.
   */
  async generateWhole(): Promise<void> {
    const broken: string[] = [];
    for (;;) {
      try {
        for await (const _ of this.tokens(undefined, broken)) {
          // collecting into this.answer
        }
        break;
      } catch (error) {
        this.answer = '';
        const model = this.model;
        if (model && !broken.includes(model)) {
          broken.push(model);
          this.brokenAttempts = this.attempts.map((attempt) =>
            attempt.model === model && attempt.outcome === 'answered'
              ? { ...attempt, outcome: 'failed', error: (error as Error).message }
              : attempt,
          );
          this.attempts = this.brokenAttempts;
          this.model = undefined;
          this.failure = undefined;
          continue;
        }
        this.mode = 'degraded';
        this.failure = undefined;
        for await (const _ of this.extractive(DEGRADED_LABEL)) {
          // collecting
        }
        break;
      }
    }
  }

  private *say(text: string): Generator<string> {
    this.citations = [];
    this.raw = '';
    for (const piece of words(text)) {
      this.raw += piece;
      yield piece;
    }
  }

  private *extractive(label: string): Generator<string> {
    const extracted = extractiveAnswer(this.plan.request.message, this.passages, 3, label);
    this.citations = extracted.citations;
    this.raw = '';
    for (const piece of words(extracted.text)) {
      this.raw += piece;
      yield piece;
    }
  }

  /** What the accounting prices: the model that answered (or how the turn was answered without one) and its tokens. */
  get accounting(): { model: string; generated: boolean; tokens: TokenUsage } {
    const generated = this.mode === 'generated' && this.model !== undefined;
    return {
      model: generated ? this.model! : this.mode === 'not_found' ? 'none' : 'extractive',
      generated,
      tokens: this.tokenUsage,
    };
  }

  /**
   * Completes the turn: returns the result and schedules its persistence off the critical path.
   * `costUsd` is what the accounting priced the turn at (the gateway, once per turn).
   */
  finish(outcome: { completed: boolean; costUsd: number }): TurnResult {
    const { model } = this.accounting;
    const usage: Usage = {
      // Ten decimals: a millionth of a cent, without binary-float noise in the JSON.
      cost_usd: Math.round(outcome.costUsd * 1e10) / 1e10,
      prompt_tokens: this.tokenUsage.inputTokens,
      completion_tokens: this.tokenUsage.outputTokens,
      total_tokens: this.tokenUsage.inputTokens + this.tokenUsage.outputTokens,
      model,
    };
    const result: TurnResult = {
      conversation_id: this.conversationId,
      turn_id: this.turnId,
      answer: this.answer,
      citations: this.citations,
      usage,
      mode: this.mode,
      ...(this.mode === 'generated' && this.model ? { model: this.model } : {}),
      bot: this.bot.id,
    };
    if (this.finished) return result;
    this.finished = true;
    const answering = this.attempts.find((attempt) => attempt.outcome === 'answered');
    const trace: TurnTrace = {
      turn_id: this.turnId,
      conversation_id: this.conversationId,
      bot: this.bot.id,
      mode: this.mode,
      model: this.model ?? null,
      attempts: this.attempts,
      completed: outcome.completed && this.failure === undefined,
      error: this.failure ?? null,
      retriever: this.deps.retriever.name,
      degraded: this.plan.search.failures,
      retrieval_cache: this.plan.search.cache ?? null,
      keyword_index: this.plan.search.keywordIndex ?? null,
      retrieved: this.plan.search.chunks.map((chunk) => ({
        chunk_id: chunk.chunkId,
        document_id: chunk.documentId,
        title: chunk.title,
        heading_path: chunk.headingPath,
        score: chunk.score,
        signals: chunk.signals,
        ...(chunk.flagged ? { flagged: true } : {}),
      })),
      prompt_version: this.bot.prompt.id,
      routing: this.routing ?? null,
      relevance: { coverage: this.relevance, threshold: this.bot.minRelevance },
      context: this.context
        ? {
            tokens: this.context.tokens,
            dropped: this.context.dropped,
            history_messages: this.context.history.length,
          }
        : null,
      usage,
      prompt: this.prompt ?? null,
      // What the guards did: rules and counts by kind, never the values they matched.
      guard: {
        input: {
          action: this.plan.input.action,
          decisions: this.plan.input.decisions,
          injection_score: this.plan.input.injectionScore ?? null,
        },
        output: { ...this.outputGuard?.counts },
        output_cut_off: this.outputGuard?.cutOff ?? false,
      },
      timings_ms: {
        ...this.plan.request.timings,
        ...this.plan.timings,
        ...this.timings,
        ...(answering ? { model_first_token: answering.ms } : {}),
        ...(this.firstTokenMs === undefined ? {} : { first_token: this.firstTokenMs }),
        total: performance.now() - this.plan.startedAt,
      },
      started_at: new Date(performance.timeOrigin + this.plan.startedAt).toISOString(),
      ...this.plan.request.traceExtras,
    };
    this.record = trace;
    const record = {
      tenantId: this.plan.request.tenantId,
      botId: this.bot.id,
      conversationId: this.conversationId,
      turnId: this.turnId,
      user: { id: randomUUID(), content: this.plan.request.message, at: this.plan.receivedAt },
      assistant: {
        id: randomUUID(),
        content: this.answer,
        citations: this.citations,
        usage,
        at: new Date(),
      },
      trace,
    };
    const { db, tasks, pending, turns, conversations } = this.deps;
    const router = this.bot.router;
    // A client that sends the history itself (OpenAI-style APIs) keeps its own memory.
    const remembered = !this.plan.request.history;
    if (remembered) {
      conversations.turnFinished(
        this.plan.request.tenantId,
        this.conversationId,
        this.bot.id,
        this.plan.start,
        {
          user: this.plan.request.message,
          assistant: this.answer,
        },
      );
    }
    let stored = false;
    void tasks
      .enqueue('save-turn', async () => {
        await turns.add(record);
        stored = true;
        if (remembered) conversations.turnStored(this.conversationId);
        // Once the turn is stored, fold older messages into the summary (its own retries). A
        // conversation's first turn has nothing older to fold: no need to ask the database.
        if (!this.plan.request.conversationId) return;
        void tasks.enqueue('summarize', async () => {
          const summary = await updateSummary(
            db,
            router?.defaultChain,
            this.plan.request.tenantId,
            this.conversationId,
          );
          if (summary !== undefined) conversations.summaryChanged(this.conversationId, summary);
        });
      })
      .finally(() => {
        pending.release(this.conversationId);
        if (!stored && remembered) conversations.forget(this.conversationId);
      });
    return result;
  }
}
