// Stores a finished turn off the critical path: the conversation's memory in this process at
// once, then its messages and trace (grouped writes), the conversation's summary, and the release
// of a new conversation, as background tasks (retried, drained on shutdown).
import { randomUUID } from 'node:crypto';
import type { BackgroundRunner } from '../jobs/index.js';
import type { Database, GroupWriter } from '../storage/index.js';
import type { ConversationCache } from './conversation-cache.js';
import { mayNeedSummary, updateSummary } from './conversation-memory.js';
import type { TurnRecord } from './conversation-store.js';
import { type HandoffEvents, handoffJob } from './handoff-triggers.js';
import { enqueueSummary } from './summary-jobs.js';
import type { TurnPlan } from './turn-plan.js';
import type { TurnResult, TurnTrace } from './turn-types.js';

/** Conversations whose first turn is answered but not stored yet (their owner knows them). */
export interface PendingRelease {
  release(conversationId: string): void;
}

/** What storing a turn needs of the process. */
export interface PersistDeps {
  db: Database;
  /** Where the turn's writes after the response run (retried, drained on shutdown). */
  tasks: BackgroundRunner;
  pending: PendingRelease;
  /** Conversations answered lately: their memory after each finished turn, stored or not. */
  conversations: ConversationCache;
  /** Finished turns, written in groups (one statement for all that finish together). */
  turns: GroupWriter<TurnRecord>;
  /** A handoff's webhook event is stored with its turn (absent: no handoff webhook is configured). */
  handoffEvents?: HandoffEvents;
  /**
   * This process runs no background work: a conversation's summary is left to one that does, as
   * a job (summary-jobs.ts). Absent: summaries are written here.
   */
  queueSummaries?: boolean;
}

/**
 * Stores the turn as `result` and `trace` say; the writes run in the background. Resolves true
 * once the turn is in the database (its messages and trace, one statement with the turns that
 * finished beside it), false if the write was given up: the front ends acknowledge a turn only
 * once it is stored (turn-runner.ts), so a crash never loses a turn its client was told of.
 */
export function persistTurn(
  deps: PersistDeps,
  plan: TurnPlan,
  result: TurnResult,
  trace: TurnTrace,
): Promise<boolean> {
  const { request, conversationId, bot } = plan;
  // While a person answers the conversation, the bot's silence is not a message.
  const silent = result.mode === 'handed_off';
  const record: TurnRecord = {
    tenantId: request.tenantId,
    botId: bot.id,
    conversationId,
    turnId: plan.turnId,
    ...(request.userId === undefined ? {} : { owner: request.userId }),
    existing: request.conversationId !== undefined,
    // A turn that continues a paused one answers a question already stored.
    user: request.continues ? undefined : { id: randomUUID(), content: request.message, at: plan.receivedAt },
    assistant: silent
      ? undefined
      : {
          id: randomUUID(),
          content: result.answer,
          citations: result.citations,
          usage: result.usage,
          at: new Date(),
        },
    trace,
    state: plan.nextState,
    notFoundStreak: result.mode === 'not_found' ? (plan.start.memory.notFoundStreak ?? 0) + 1 : 0,
    ...(plan.handoffReason && deps.handoffEvents
      ? {
          job: handoffJob(
            {
              tenantId: request.tenantId,
              botId: bot.id,
              conversationId,
              message: request.message,
              receivedAt: plan.receivedAt,
            },
            plan.handoffReason,
            deps.handoffEvents,
          ),
        }
      : {}),
  };
  const { db, tasks, pending, turns, conversations } = deps;
  const router = bot.router;
  // A client that sends the history itself (OpenAI-style APIs) keeps its own memory. A silent
  // turn changes nothing of it: a person's replies and the hand back reach the database, and the
  // agent API drops this process's copy of the conversation.
  const remembered = !request.history && !silent;
  if (remembered) {
    conversations.turnFinished(
      request.tenantId,
      conversationId,
      bot.id,
      plan.start,
      {
        ...(request.continues ? {} : { user: request.message }),
        assistant: result.answer,
      },
      plan.nextState,
      record.notFoundStreak,
    );
  }
  let stored = false;
  return tasks
    .enqueue('save-turn', async () => {
      await turns.add(record);
      stored = true;
      if (remembered) conversations.turnStored(conversationId);
      // Once the turn is stored, fold older messages into the summary (its own retries). A
      // conversation's first turns have nothing older to fold: no need to ask the database.
      if (!request.conversationId || !mayNeedSummary(plan.start.memory)) return;
      void tasks.enqueue('summarize', async () => {
        if (deps.queueSummaries) return enqueueSummary(db, request.tenantId, bot.id, conversationId);
        const summary = await updateSummary(db, router?.defaultChain, request.tenantId, conversationId);
        if (summary !== undefined) conversations.summaryChanged(conversationId, summary);
      });
    })
    .then(() => {
      pending.release(conversationId);
      if (!stored && remembered) conversations.forget(conversationId);
      return stored;
    });
}
