// Prepares a turn: resolves the bot, runs the input guards, then checks the conversation and
// retrieves in parallel; the result is a plan (TurnPlan) the Turn answers from. Keeps the
// conversations whose first turn is answered but not stored yet, so a follow-up can name them.

import { randomUUID } from 'node:crypto';
import { notFound, ParleyError } from '../errors/index.js';
import { type GuardSet, inspectWith } from '../guard/index.js';
import type { BackgroundRunner } from '../jobs/index.js';
import { type Retriever, type SearchResult, searchResult } from '../knowledge/index.js';
import { type Database, GroupWriter } from '../storage/index.js';
import type { AnswerCache } from './answer-cache.js';
import type { Bots } from './bots/bots.js';
import { splitClarification } from './clarify-split.js';
import { guardHistory, guardToolResults } from './client-history.js';
import { ConversationCache } from './conversation-cache.js';
import {
  type ConversationMemory,
  loadConversation,
  NO_MEMORY,
  RECENT_MESSAGES,
} from './conversation-memory.js';
import { saveTurns } from './conversation-store.js';
import type { CuratedAnswers } from './curated/index.js';
import { type HandoffEvents, messageHandoff, notFoundHandoff } from './handoff-triggers.js';
import type { UserMemories } from './memories/index.js';
import { leansOnConversation, standaloneQuestion } from './standalone-question.js';
import type { ToolApprovals } from './tool-approvals.js';
import { Turn, type TurnDeps } from './turn.js';
import type { TurnToolMaker } from './turn-tools.js';
import type { TurnRequest } from './turn-types.js';
import {
  handoffReply,
  type IntentReader,
  smallTalkReply,
  type Understanding,
  understandMessage,
} from './understand-message.js';
import { understandWithModel } from './understand-with-model.js';

/** The understanding of a message no intent step read. */
const UNREAD: Understanding = { intent: 'question', score: 0, unsure: true, handler: 'knowledge' };

/** Conversations whose first turn is answered but not stored yet, by id. */
class PendingConversations {
  private readonly byId = new Map<string, { tenantId: string; botId: string; userId: string | undefined }>();

  add(tenantId: string, conversationId: string, botId: string, userId: string | undefined) {
    this.byId.set(conversationId, { tenantId, botId, userId });
  }

  /** The conversation's bot, when the tenant has it pending. */
  owner(tenantId: string, conversationId: string): string | undefined {
    const entry = this.byId.get(conversationId);
    return entry?.tenantId === tenantId ? entry.botId : undefined;
  }

  /** The end user a pending conversation is for (undefined: the tenant's own). */
  user(conversationId: string): string | undefined {
    return this.byId.get(conversationId)?.userId;
  }

  release(conversationId: string) {
    this.byId.delete(conversationId);
  }
}

type ServiceDeps = ChatServiceDeps & TurnDeps & { pending: PendingConversations };

export interface ChatServiceDeps {
  db: Database;
  retriever: Retriever;
  /** Where the turn's writes after the response run (retried, drained on shutdown). */
  tasks: BackgroundRunner;
  /** Each tenant's bots: models and routing, prompt, retrieval and relevance settings. */
  bots: Bots;
  /** The guards of every bot (each bot's policy picks its list). */
  guards: GuardSet;
  /** Conversations whose memory this process keeps between turns (ConversationCache). */
  conversationCacheEntries?: number;
  /** Least time between two group commits of turns (default 0). */
  writeGroupMs?: number;
  /** Answers given before, for a question asked again (none: every turn is answered afresh). */
  answers?: AnswerCache;
  /** Reads a message's intent before retrieval (none: every message goes to the knowledge base). */
  intents?: IntentReader;
  /** Operators' question -> answer pairs per bot: a message close enough to one gets its answer. */
  curated?: Pick<CuratedAnswers, 'match'>;
  /** A handoff's webhook event is stored with its turn (absent: the server has no handoff webhook). */
  handoffEvents?: HandoffEvents;
  /** This process runs no background work: summaries are left to one that does (summary jobs). */
  queueSummaries?: boolean;
  /** How long the model step of understanding a message may take (ms; default 1500). */
  understandTimeoutMs?: number;
  /** Makes each turn's tools from its bot's allowlist (absent: no bot has tools). */
  tools?: Pick<TurnToolMaker, 'forTurn'>;
  /** Actions waiting for a decision (absent: actions are never run). */
  approvals?: Pick<ToolApprovals, 'decide' | 'finished'>;
  /** End users' long-term memories, recalled for bots that keep them (absent: none are). */
  memories?: Pick<UserMemories, 'recall'>;
}

export class ChatService {
  private readonly deps: ServiceDeps;

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
      turns: new GroupWriter((records) => saveTurns(deps.db, records), 100, deps.writeGroupMs ?? 0),
    };
  }

  /** A conversation changed outside a turn (a person replied, it was handed back): read it afresh. */
  conversationChanged(conversationId: string): void {
    this.deps.conversations.forget(conversationId);
  }

  /**
   * The conversation is gone (deleted, erased with its user, expired): besides what this process
   * remembers of it, the answers its turns left in the answer cache go, with their questions.
   */
  conversationRemoved(conversationId: string): void {
    this.conversationChanged(conversationId);
    this.deps.answers?.forgetConversation(conversationId);
  }

  /**
   * Whether the tenant has this conversation, though its first turn is not stored yet; with
   * `userId`, only if it is that end user's.
   */
  isPending(tenantId: string, conversationId: string, userId?: string): boolean {
    const { pending } = this.deps;
    if (pending.owner(tenantId, conversationId) === undefined) return false;
    return userId === undefined || pending.user(conversationId) === userId;
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
   * Decides an action a turn paused for (once: a second decision is a 409). Approved, the action
   * runs now, with the approval's id as its idempotency key; either way the model reads what came
   * of it in the turn this returns, which continues the paused answer.
   */
  async decide(
    tenantId: string,
    conversationId: string,
    approvalId: string,
    approve: boolean,
    asOperator: boolean,
  ): Promise<
    Pick<TurnRequest, 'tenantId' | 'botId' | 'conversationId' | 'message' | 'toolExchanges' | 'continues'>
  > {
    const approvals = this.deps.approvals;
    if (!approvals) throw notFound('approval');
    const { approval, call, resume } = await approvals.decide(
      tenantId,
      conversationId,
      approvalId,
      approve,
      asOperator,
    );
    let content: string;
    if (approve) {
      const bot = await this.deps.bots.resolve(tenantId, approval.bot_id);
      const tools = await this.deps.tools?.forTurn(bot, this.deps.guards.for(bot.guard), {
        tenantId,
        botId: bot.id,
        conversationId,
        turnId: approval.turn_id,
      });
      content = tools?.has(call.name)
        ? ((await tools.runApproved(call, approvalId)).results[0]?.content ?? '')
        : `${call.name} is no longer one of this assistant's tools: it was not run.`;
      await approvals.finished(tenantId, approvalId, content);
    } else {
      content = `${approval.approver === 'operator' ? 'An operator' : 'The user'} declined: ${call.name} was not run.`;
    }
    const { step } = resume;
    const results = step.calls.map(
      (each) =>
        (each.id === call.id ? { toolCallId: each.id, content } : undefined) ??
        step.results.find((result) => result.toolCallId === each.id) ?? {
          toolCallId: each.id,
          content: `${each.name} was not run.`,
        },
    );
    return {
      tenantId,
      botId: approval.bot_id,
      conversationId,
      message: resume.question,
      toolExchanges: [...resume.exchanges, { text: step.text, calls: step.calls, results }],
      continues: approvalId,
    };
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
    // The input guards, before anything else sees the message: from here on only its redacted
    // text exists; a blocked message is neither searched for nor sent to a model. A check a guard
    // defers (the semantic injection stage) runs beside what follows; the answer's first piece
    // waits for it (turn.ts).
    const guards = this.deps.guards.for(bot.guard);
    const [checked, history, tools] = await Promise.all([
      inspectWith(guards, request.message, bot.guard, { defer: true }),
      request.history ? guardHistory(guards, request.history.slice(-RECENT_MESSAGES), bot.guard) : undefined,
      request.toolExchanges?.length ? guardToolResults(guards, request.toolExchanges, bot.guard) : undefined,
    ]);
    const refusedEarlier = [...(history?.decisions ?? []), ...(tools?.decisions ?? [])];
    let input = refusedEarlier.length
      ? { ...checked, decisions: [...checked.decisions, ...refusedEarlier] }
      : checked;
    const guarded = performance.now();
    const blocked = input.action === 'block';
    // Refused already: what a deferred check would say no longer matters.
    if (blocked && input.pending) input = { ...input, pending: undefined };
    request = { ...request, message: input.text, ...(tools ? { toolExchanges: tools.exchanges } : {}) };
    // The user's memories, for a bot that keeps them and a model to read them, beside the rest.
    const recalling =
      !blocked && request.userId !== undefined && bot.memory && bot.router
        ? this.deps.memories?.recall(request.tenantId, request.userId, input.text)
        : undefined;
    const conversationId = request.conversationId ?? randomUUID();
    const version = this.deps.conversations.version(conversationId);
    // A new conversation's row is written with its first turn, after the response; until then
    // it is known in memory, so that a follow-up can name it at once.
    const reading: Promise<{ botId: string; memory: ConversationMemory } | undefined> = request.conversationId
      ? this.storedConversation(request.tenantId, conversationId)
      : Promise.resolve({ botId: bot.id, memory: NO_MEMORY });
    reading.catch(() => {}); // awaited below; a failure must not count as unhandled meanwhile
    let understanding =
      !blocked && this.deps.intents
        ? understandMessage(this.deps.intents, input.text, bot.intents)
        : undefined;
    // The bot's model reads a message the classifier is unsure of, or a follow-up (one short call).
    const modelStep = await understandWithModel({
      chain: bot.router?.defaultChain,
      policy: bot.intents,
      timeoutMs: this.deps.understandTimeoutMs ?? 1_500,
      message: input.text,
      understanding,
      inConversation: request.conversationId !== undefined || history !== undefined,
      // Not asked about a conversation the turn will refuse, or one a person answers now.
      recent: async () => {
        if (history) return history.messages;
        const read = await reading;
        return read?.botId === bot.id && read.memory.state !== 'handed_off' ? read.memory.recent : undefined;
      },
    });
    if (modelStep) understanding = modelStep.understanding;
    // A request for a person, or a message matching one of the bot's handoff rules, hands over.
    let handoff = blocked ? undefined : messageHandoff(bot.intents, input.text, understanding);
    if (handoff) understanding = { ...(understanding ?? UNREAD), handler: 'handoff' };
    // An operator's curated answer to a question close enough to this one comes first.
    const curated =
      !blocked && understanding?.handler !== 'handoff' && understanding?.handler !== 'small_talk'
        ? await this.deps.curated?.match(request.tenantId, bot.id, input.text, bot.curatedMinScore)
        : undefined;
    if (curated) understanding = { ...(understanding ?? UNREAD), handler: 'curated' };
    // Small talk, a handoff and a curated answer are answered without the documents.
    const smallTalk =
      understanding?.handler === 'small_talk' ||
      understanding?.handler === 'handoff' ||
      understanding?.handler === 'curated';
    const understood = performance.now();
    // A message that stands on its own (no conversation before it, no limits on the answer's
    // shape) may have been answered before.
    const question = {
      tenantId: request.tenantId,
      botFingerprint: bot.fingerprint,
      message: request.message,
    };
    let cached =
      !blocked &&
      !smallTalk &&
      bot.answerCache &&
      // An answer written with one user's memories is theirs only.
      !recalling &&
      // An answer a tool helped write may not hold the next time.
      bot.tools.allow.length === 0 &&
      !request.conversationId &&
      !request.history &&
      !request.generation
        ? this.deps.answers?.lookup(question)
        : undefined;
    // Missed as worded: a question close enough by its embedding (the vector retrieval asks for too).
    const resembling =
      cached && !cached.hit
        ? this.deps.answers?.similar(question, cached, bot.answerCacheSimilarity)
        : undefined;
    // A follow-up is searched for as a standalone question written from the conversation, so its
    // search waits for the conversation's read; any other message is searched for at once.
    const follows =
      !blocked &&
      !smallTalk &&
      (request.conversationId !== undefined || history !== undefined) &&
      (leansOnConversation(request.message, understanding) ||
        modelStep?.reading.standaloneQuestion !== undefined);
    let standalone: string | undefined;
    // Retrieval's own time (the conversation read is not in it): the retrieval metric.
    let searchMs: number | undefined;
    const searchFor = (query: string): Promise<SearchResult> => {
      const searchStarted = performance.now();
      return retriever.search(query, { tenantId: request.tenantId, topK: bot.topK }).then((found) => {
        searchMs = performance.now() - searchStarted;
        return found;
      });
    };
    const searching: Promise<SearchResult> =
      blocked || smallTalk || cached?.hit
        ? Promise.resolve(searchResult([]))
        : follows
          ? reading.then((read) => {
              standalone =
                modelStep?.reading.standaloneQuestion ??
                standaloneQuestion(request.message, history?.messages ?? read?.memory.recent ?? []);
              return searchFor(standalone ?? request.message);
            })
          : searchFor(request.message);
    const turnId = randomUUID();
    // The bot's tools are listed beside retrieval (an MCP server's list may take a round trip).
    const listing =
      !blocked && !smallTalk && bot.router && bot.tools.allow.length > 0
        ? this.deps.tools?.forTurn(bot, guards, {
            tenantId: request.tenantId,
            botId: bot.id,
            conversationId,
            turnId,
          })
        : undefined;
    listing?.catch(() => {}); // awaited below
    let [conversation, search, similar] = await Promise.all([reading, searching, resembling]);
    const turnTools = await listing;
    const userMemories = await recalling;
    if (similar) [cached, search] = [similar, searchResult([])];
    if (conversation === undefined) throw notFound('conversation');
    if (conversation.botId !== bot.id) {
      throw new ParleyError(
        'PARLEY_ERR_CONFLICT',
        `conversation ${conversationId} belongs to bot ${conversation.botId}: continue it with that bot`,
      );
    }
    const state = conversation.memory.state;
    if (state === 'handed_off' && !blocked) {
      // A person answers this conversation now: the bot stays silent until it is handed back.
      understanding = { ...(understanding ?? UNREAD), handler: 'handed_off' };
      search = searchResult([]);
      handoff = undefined;
    } else if (!blocked && !handoff && notFoundHandoff(bot.intents, conversation.memory)) {
      // The bot found nothing for the last few messages: a person takes this one.
      understanding = { ...(understanding ?? UNREAD), handler: 'handoff' };
      search = searchResult([]);
      handoff = 'not_found';
    } else if (state === 'awaiting_clarification' && !blocked && !smallTalk && !cached?.hit) {
      // The message answers the bot's clarifying question: it is read with the request it
      // clarifies, and is not asked to clarify again (one clarifying question in a row at most).
      if (understanding?.handler === 'clarify') understanding = { ...understanding, handler: 'knowledge' };
      if (standalone === undefined) {
        standalone = standaloneQuestion(request.message, history?.messages ?? conversation.memory.recent);
        if (standalone !== undefined) search = await searchFor(standalone);
      }
    }
    // A short request retrieval split between topics: ask which one is meant (never right after a
    // clarifying question, nor for a follow-up, which the conversation already specifies).
    const split =
      !blocked && !smallTalk && !cached?.hit && standalone === undefined && state === 'active'
        ? splitClarification(understanding, bot.intents, request.message, search.chunks)
        : undefined;
    if (split) understanding = split;
    // A greeting says what the bot can do: answer from its documents, or that it has none yet.
    const reply =
      understanding?.handler === 'small_talk'
        ? smallTalkReply(
            understanding.intent,
            bot.intents,
            understanding.intent !== 'greeting' ||
              bot.intents.replies.greeting !== undefined ||
              (await hasDocuments(this.deps.db, request.tenantId)),
          )
        : understanding?.handler === 'handoff'
          ? handoffReply(bot.intents)
          : undefined;
    // Earlier turns, for a model to follow the conversation (only models use them). Earlier
    // messages a client sends (OpenAI-style APIs) passed the guards above (client-history.ts).
    const memory: ConversationMemory = history
      ? { ...NO_MEMORY, recent: history.messages.slice(-RECENT_MESSAGES) }
      : bot.router && !blocked
        ? conversation.memory
        : NO_MEMORY;
    if (!request.conversationId) pending.add(request.tenantId, conversationId, bot.id, request.userId);
    const timings = {
      bot: resolved - started,
      guard: guarded - resolved,
      ...(understanding ? { intent: understood - guarded } : {}),
      // Retrieval and the conversation's read, side by side.
      prepare: performance.now() - understood,
      ...(searchMs === undefined ? {} : { retrieval: searchMs }),
    };
    return new Turn(this.deps, {
      bot,
      guards,
      input,
      request,
      conversationId,
      turnId,
      search,
      ...(turnTools ? { tools: turnTools } : {}),
      ...(userMemories?.length ? { userMemories } : {}),
      memory,
      start: { memory: conversation.memory, version },
      ...(cached ? { answerCache: cached } : {}),
      ...(understanding ? { understanding } : {}),
      ...(modelStep ? { modelReading: modelStep.reading } : {}),
      ...(reply === undefined ? {} : { smallTalk: reply }),
      ...(standalone === undefined ? {} : { standaloneQuestion: standalone }),
      ...(curated ? { curated } : {}),
      ...(handoff ? { handoffReason: handoff } : {}),
      nextState:
        understanding?.handler === 'clarify'
          ? 'awaiting_clarification'
          : understanding?.handler === 'handoff' || state === 'handed_off'
            ? 'handed_off'
            : 'active',
      timings,
      receivedAt,
      startedAt: started,
    });
  }
}

/** Whether the tenant has any document stored (a greeting says what the bot can answer from). */
async function hasDocuments(db: Database, tenantId: string): Promise<boolean> {
  const rows = await db
    .forTenant(tenantId)
    .query<{ found: boolean }>('select exists (select 1 from documents where tenant_id = $1) as found', [
      tenantId,
    ]);
  return rows[0]?.found ?? false;
}
