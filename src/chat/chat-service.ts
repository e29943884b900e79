// The turn pipeline: check the conversation and retrieve in parallel, generate the answer
// (extractive until a model is configured), then persist the turn after the response.
import { randomUUID } from 'node:crypto';
import { notFound, ParleyError } from '../errors/index.js';
import { type InputInspection, inspectInput, REFUSALS, redactPii, StreamGuard } from '../guard/index.js';
import { type RetrievedChunk, type Retriever, type SearchResult, searchResult } from '../knowledge/index.js';
import { type Attempt, type ChatMessage, ModelsUnavailableError, type TokenUsage } from '../models/index.js';
import { type Database, GroupWriter } from '../storage/index.js';
import type { BotProfile, Bots } from './bots/bots.js';
import { type ContextPlan, planContext } from './context-budget.js';
import { type CachedStart, ConversationCache } from './conversation-cache.js';
import {
  type ConversationMemory,
  loadConversation,
  NO_MEMORY,
  RECENT_MESSAGES,
  updateSummary,
} from './conversation-memory.js';
import { saveTurns, type TurnRecord } from './conversation-store.js';
import {
  type Citation,
  DEGRADED_LABEL,
  EXTRACTIVE_LABEL,
  extractiveAnswer,
  NOTHING_FOUND,
  snippetOf,
} from './extractive-answer.js';
import { citationsFor, groundedUserMessage } from './grounded-prompt.js';
import type { ModelGuard } from './model-guard.js';
import { questionCoverage } from './relevance.js';
import type { WriteBehind } from './write-behind.js';

export interface TurnRequest {
  tenantId: string;
  /** The bot answering (default: the tenant's default bot). */
  botId?: string;
  message: string;
  conversationId?: string;
  /** Earlier messages sent by the client (OpenAI-style APIs); otherwise read from the conversation. */
  history?: ChatMessage[];
  /** Stages before the turn (auth, guard), in ms, for the trace. */
  timings?: Record<string, number>;
  /** Added to the trace as they are (e.g. the OpenTelemetry trace id). */
  traceExtras?: Record<string, unknown>;
  /** Answer with the bot's cheapest priced model (over budget under the `cheapest` policy). */
  preferCheapest?: boolean;
}

/** What a turn records of itself (stored in turn_traces, served at GET /v1/turns/{id}/trace). */
export interface TurnTrace {
  turn_id: string;
  conversation_id: string;
  bot: string;
  mode: AnswerMode;
  model: string | null;
  attempts: Attempt[];
  completed: boolean;
  error: string | null;
  retriever: string;
  degraded: { retriever: string; message: string }[];
  retrieval_cache: 'hit' | 'miss' | null;
  /** Where keyword search was answered: the in-memory copy or the database (null: cache hit, or no search). */
  keyword_index: 'memory' | 'database' | null;
  retrieved: {
    chunk_id: number;
    document_id: string;
    title: string;
    heading_path: string;
    score: number;
    signals: Record<string, { rank: number; score: number }>;
    flagged?: boolean;
  }[];
  prompt_version: string;
  routing: { route: string; reasons: string[] } | null;
  relevance: { coverage: number; threshold: number };
  context: { tokens: unknown; dropped: unknown; history_messages: number } | null;
  usage: Usage;
  prompt: { system: string; messages: ChatMessage[] } | null;
  guard: {
    input: { action: string; decisions: { kind: string; rule: string }[]; injection_score: number | null };
    output: Record<string, number | undefined>;
    output_cut_off: boolean;
  };
  /** Milliseconds per stage: auth, bot, guard, retrieval, assembly, model_first_token, first_token, total. */
  timings_ms: Record<string, number | undefined>;
  started_at: string;
  /** Guard decisions, cost and the OpenTelemetry trace id are added by the layers that know them. */
  [extra: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  model: string;
  /** What the model tokens cost by the price table (0 without a model or a price). */
  cost_usd: number;
}

/** How the answer was made: by a model, extractively (no model configured), or extractively because no model answered. */
export type AnswerMode = 'generated' | 'extractive' | 'degraded' | 'not_found' | 'refused';

/** What a finished turn returns to the client. */
export interface TurnResult {
  conversation_id: string;
  turn_id: string;
  answer: string;
  citations: Citation[];
  usage: Usage;
  mode: AnswerMode;
  /** The model that answered, when one did. */
  model?: string;
  /** The bot that answered. */
  bot: string;
}

/** Conversations whose first turn is answered but not stored yet, by id. */
class PendingConversations {
  private readonly byId = new Map<string, { tenantId: string; botId: string }>();

  add(tenantId: string, conversationId: string, botId: string) {
    this.byId.set(conversationId, { tenantId, botId });
  }

  /** The conversation's bot, when the tenant has it pending. */
  owner(tenantId: string, conversationId: string): string | undefined {
    const entry = this.byId.get(conversationId);
    return entry?.tenantId === tenantId ? entry.botId : undefined;
  }

  release(conversationId: string) {
    this.byId.delete(conversationId);
  }
}

type TurnDeps = ChatServiceDeps & {
  pending: PendingConversations;
  /** Conversations answered lately: their memory after each finished turn, stored or not. */
  conversations: ConversationCache;
  /** Finished turns, written in groups (one statement for all that finish together). */
  turns: GroupWriter<TurnRecord>;
};

export interface ChatServiceDeps {
  db: Database;
  retriever: Retriever;
  writeBehind: WriteBehind;
  /** Each tenant's bots: models and routing, prompt, retrieval and relevance settings. */
  bots: Bots;
  /** The moderation model asked about messages the fast guard cannot decide (off when absent). */
  moderation?: ModelGuard;
  /** Conversations whose memory this process keeps between turns (ConversationCache). */
  conversationCacheEntries?: number;
}

/**
 * Passages that ingestion flagged as holding instructions aimed at a model (indirect injection)
 * are always quoted as data; `downrank` puts them after every other passage, `drop` removes them.
 */
function usablePassages(
  retrieved: RetrievedChunk[],
  policy: 'quote' | 'downrank' | 'drop',
): RetrievedChunk[] {
  if (policy === 'quote' || !retrieved.some((chunk) => chunk.flagged)) return retrieved;
  const clean = retrieved.filter((chunk) => !chunk.flagged);
  return policy === 'drop' ? clean : [...clean, ...retrieved.filter((chunk) => chunk.flagged)];
}

/** The fast guard's verdict, with the moderation model's on a message it could not decide. */
async function moderated(input: InputInspection, moderation: ModelGuard): Promise<InputInspection> {
  const verdict = await moderation.check(input.text);
  const refuse =
    verdict.verdict === 'unsafe' || (verdict.verdict === 'failed' && moderation.options.failure === 'closed');
  const rule =
    verdict.verdict === 'unsafe'
      ? `model:unsafe${verdict.categories ? `:${verdict.categories}` : ''}`
      : verdict.verdict === 'failed'
        ? `model:failed-${moderation.options.failure}`
        : 'model:safe';
  const decisions = [...input.decisions, { kind: 'model' as const, rule }];
  return refuse
    ? { ...input, action: 'block', decisions, refusal: REFUSALS.injection }
    : { ...input, decisions };
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
  private outputGuard: StreamGuard | undefined;
  private record: TurnTrace | undefined;

  constructor(
    private readonly deps: TurnDeps,
    readonly bot: BotProfile,
    /** The input guard's verdict; `request.message` is already its redacted text. */
    private readonly input: InputInspection,
    readonly request: TurnRequest,
    readonly conversationId: string,
    readonly turnId: string,
    /** What retrieval found, and how (cache, keyword index, retrievers that failed). */
    private readonly search: SearchResult,
    private readonly memory: ConversationMemory,
    /** The conversation's stored memory when the turn began (what its messages follow). */
    private readonly start: CachedStart,
    private readonly timings: Record<string, number | undefined>,
    private readonly receivedAt: Date,
    /** When the turn began (before retrieval), for the first-token and total timings. */
    readonly startedAt = performance.now(),
  ) {
    this.mode = bot.router ? 'generated' : 'extractive';
    this.passages = usablePassages(search.chunks, bot.guard.documents);
    this.relevance = questionCoverage(request.message, this.passages);
  }

  /**
   * The answer in pieces as soon as they exist. With models configured, the model chain's
   * tokens; when every model fails before its first token, the extractive answer labelled as
   * degraded. A model stream that breaks after tokens were sent throws (the caller ends the
   * stream with an error); so does `signal` aborting, which cancels the provider call.
   */
  async *tokens(signal?: AbortSignal, exclude: readonly string[] = []): AsyncGenerator<string> {
    // Everything the user sees passes the output guard: PII redacted even across token
    // boundaries, links outside the bot's allowlist removed, a recital of the system prompt cut.
    const { output } = this.bot.guard;
    const guard = new StreamGuard({
      pii: output.pii,
      ...(output.allowedHosts ? { allowedHosts: output.allowedHosts } : {}),
      ...(output.protectSystemPrompt ? { systemPrompt: this.bot.prompt.text } : {}),
    });
    this.outputGuard = guard;
    this.answer = '';
    const emit = (text: string) => {
      this.firstTokenMs ??= performance.now() - this.startedAt;
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
    if (this.input.action === 'block') {
      // The input guard stopped the message: a polite refusal, and nothing reaches a model.
      this.mode = 'refused';
      yield* this.say(this.input.refusal ?? NOTHING_FOUND);
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
    const system = this.memory.summary
      ? `${this.bot.prompt.text}\n\nSummary of the earlier conversation:\n${this.memory.summary}`
      : this.bot.prompt.text;
    this.context = planContext({
      system,
      question: this.request.message,
      passages: this.passages,
      history: this.memory.recent,
      budget: { total: this.bot.contextTokens, passageShare: 0.65 },
    });
    const passages = this.context.passages;
    const { chain, route, reasons } = router.route({
      queryTokens: this.context.tokens.question,
      conversationMessages: this.memory.recent.length + (this.memory.summary ? RECENT_MESSAGES : 0),
      coverage: this.relevance,
      preferCheapest: this.request.preferCheapest,
    });
    this.routing = { route, reasons };
    const messages: ChatMessage[] = [
      ...this.context.history,
      { role: 'user', content: groundedUserMessage(this.request.message, passages) },
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
    return performance.timeOrigin + this.startedAt;
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
    const extracted = extractiveAnswer(this.request.message, this.passages, 3, label);
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
      degraded: this.search.failures,
      retrieval_cache: this.search.cache ?? null,
      keyword_index: this.search.keywordIndex ?? null,
      retrieved: this.search.chunks.map((chunk) => ({
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
          action: this.input.action,
          decisions: this.input.decisions,
          injection_score: this.input.injectionScore ?? null,
        },
        output: { ...this.outputGuard?.counts },
        output_cut_off: this.outputGuard?.cutOff ?? false,
      },
      timings_ms: {
        ...this.request.timings,
        ...this.timings,
        ...(answering ? { model_first_token: answering.ms } : {}),
        ...(this.firstTokenMs === undefined ? {} : { first_token: this.firstTokenMs }),
        total: performance.now() - this.startedAt,
      },
      started_at: new Date(performance.timeOrigin + this.startedAt).toISOString(),
      ...this.request.traceExtras,
    };
    this.record = trace;
    const record = {
      tenantId: this.request.tenantId,
      botId: this.bot.id,
      conversationId: this.conversationId,
      turnId: this.turnId,
      user: { id: randomUUID(), content: this.request.message, at: this.receivedAt },
      assistant: {
        id: randomUUID(),
        content: this.answer,
        citations: this.citations,
        usage,
        at: new Date(),
      },
      trace,
    };
    const { db, writeBehind, pending, turns, conversations } = this.deps;
    const router = this.bot.router;
    // A client that sends the history itself (OpenAI-style APIs) keeps its own memory.
    const remembered = !this.request.history;
    if (remembered) {
      conversations.turnFinished(this.request.tenantId, this.conversationId, this.bot.id, this.start, {
        user: this.request.message,
        assistant: this.answer,
      });
    }
    let stored = false;
    void writeBehind
      .enqueue('save-turn', async () => {
        await turns.add(record);
        stored = true;
        if (remembered) conversations.turnStored(this.conversationId);
        // Once the turn is stored, fold older messages into the summary (its own retries). A
        // conversation's first turn has nothing older to fold: no need to ask the database.
        if (!this.request.conversationId) return;
        void writeBehind.enqueue('summarize', async () => {
          const summary = await updateSummary(
            db,
            router?.defaultChain,
            this.request.tenantId,
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

export class ChatService {
  private readonly deps: TurnDeps;

  constructor(deps: ChatServiceDeps) {
    this.deps = {
      ...deps,
      pending: new PendingConversations(),
      // The owner of an embedded database writes every turn there is: its memory of a
      // conversation is the database's. Elsewhere, other processes may add turns.
      conversations: new ConversationCache({
        authoritative: deps.db.kind === 'embedded' && deps.db.manages,
        maxEntries: deps.conversationCacheEntries,
      }),
      turns: new GroupWriter((records) => saveTurns(deps.db, records)),
    };
  }

  /** Whether the tenant has this conversation, though its first turn is not stored yet. */
  isPending(tenantId: string, conversationId: string): boolean {
    return this.deps.pending.owner(tenantId, conversationId) !== undefined;
  }

  /** A conversation named by the request: its bot and memory; undefined when the tenant has none. */
  private storedConversation(
    tenantId: string,
    conversationId: string,
  ): Promise<{ botId: string; memory: ConversationMemory } | undefined> {
    // What this process remembers of it (a turn it answered, stored or not), when that is sure.
    const cached = this.deps.conversations.get(tenantId, conversationId);
    if (cached) return Promise.resolve(cached);
    // A conversation whose first turn is still being answered has nothing to remember yet.
    const pendingBot = this.deps.pending.owner(tenantId, conversationId);
    if (pendingBot !== undefined) return Promise.resolve({ botId: pendingBot, memory: NO_MEMORY });
    return loadConversation(this.deps.db.forTenant(tenantId), tenantId, conversationId);
  }

  /**
   * Resolves the bot, then validates the conversation and retrieves passages, in parallel.
   * Throws 404 for an unknown bot or conversation, 409 for a conversation of another bot.
   */
  async begin(request: TurnRequest): Promise<Turn> {
    const receivedAt = new Date();
    const started = performance.now();
    const { pending, retriever } = this.deps;
    const bot = await this.deps.bots.resolve(request.tenantId, request.botId);
    const resolved = performance.now();
    // The input guard, before anything else sees the message: from here on only its redacted
    // text exists; a blocked message is neither searched for nor sent to a model.
    let input = inspectInput(request.message, bot.guard);
    const moderation = this.deps.moderation;
    if (moderation && input.action !== 'block' && moderation.applies(input.injectionScore)) {
      input = await moderated(input, moderation);
    }
    const guarded = performance.now();
    const blocked = input.action === 'block';
    request = { ...request, message: input.text };
    const conversationId = request.conversationId ?? randomUUID();
    const version = this.deps.conversations.version(conversationId);
    // Retrieval's own time (the parallel conversation read is not in it): the retrieval metric.
    let searchMs: number | undefined;
    const searching: Promise<SearchResult> = blocked
      ? Promise.resolve(searchResult([]))
      : retriever.search(request.message, { tenantId: request.tenantId, topK: bot.topK }).then((found) => {
          searchMs = performance.now() - guarded;
          return found;
        });
    // A new conversation's row is written with its first turn, after the response; until then
    // it is known in memory, so that a follow-up can name it at once.
    const [conversation, search] = await Promise.all([
      request.conversationId
        ? this.storedConversation(request.tenantId, conversationId)
        : { botId: bot.id, memory: NO_MEMORY },
      searching,
    ]);
    if (conversation === undefined) throw notFound('conversation');
    if (conversation.botId !== bot.id) {
      throw new ParleyError(
        'PARLEY_ERR_CONFLICT',
        `conversation ${conversationId} belongs to bot ${conversation.botId}: continue it with that bot`,
      );
    }
    // Earlier turns, for a model to follow the conversation (only models use them). Earlier
    // messages a client sends (OpenAI-style APIs) get the same PII policy as the question.
    const memory: ConversationMemory = request.history
      ? {
          ...NO_MEMORY,
          recent: request.history.slice(-RECENT_MESSAGES).map((message) => ({
            ...message,
            content: redactPii(message.content, bot.guard.pii).text,
          })),
        }
      : bot.router && !blocked
        ? conversation.memory
        : NO_MEMORY;
    if (!request.conversationId) pending.add(request.tenantId, conversationId, bot.id);
    const timings = {
      bot: resolved - started,
      guard: guarded - resolved,
      // Retrieval and the conversation's read, side by side.
      prepare: performance.now() - guarded,
      ...(searchMs === undefined ? {} : { retrieval: searchMs }),
    };
    return new Turn(
      this.deps,
      bot,
      input,
      request,
      conversationId,
      randomUUID(),
      search,
      memory,
      { memory: conversation.memory, version },
      timings,
      receivedAt,
      started,
    );
  }
}
