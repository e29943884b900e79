// Everything a tenant holds of one end user (a signed-in user, or one a key acted for), for the
// data rights: an export of it all, and its erasure everywhere in one statement. A user's data is
// their conversations and what hangs from them: messages, turn traces, feedback, actions waiting
// for approval and a widget visitor's claim; and their long-term memories. Usage rows are the
// tenant's accounting and stay, with the erased conversation's id removed from them, so nothing
// left points back at the user.
import type { QueryRunner } from '../storage/index.js';
import { chunkTexts, getMessages, type MessageRecord } from './conversation-store.js';
import { type Erasure, eraseConversations } from './erase-conversations.js';
import { expandTracePrompts } from './trace-prompt.js';

export interface UserConversationExport {
  id: string;
  bot: string;
  title: string | null;
  state: string;
  /** Timestamps as the driver gives them, written out as ISO 8601. */
  created_at: string;
  updated_at: string;
  messages: MessageRecord[];
  feedback: { turn_id: string; rating: 'up' | 'down'; comment: string | null; created_at: string }[];
  /** Each turn's trace (what the turn did with the user's message), while its period keeps it. */
  traces: { turn_id: string; created_at: string; trace: Record<string, unknown> }[];
}

/** How long an erasure is remembered: far longer than any turn's write is in flight. */
export const ERASURE_MEMORY_MS = 86_400_000;

/**
 * Erases the user's data in one statement and records the erasure (user_erasures), so that a turn
 * of theirs asked before it and still waiting to be written (on any process) is not stored after
 * it; the ids of the conversations removed come back too.
 */
export function eraseUser(db: QueryRunner, tenantId: string, userId: string): Promise<Erasure> {
  return db.transaction(async (client) => {
    // Every turn, usage and memory write reads user_erasures: this lock waits for the writes in flight
    // to commit, so the erasure sees their rows, and holds back those that come meanwhile until it
    // commits, so they see its record. Held only for the erasure's one statement.
    await client.query('lock table user_erasures in access exclusive mode');
    return eraseConversations(
      { query: async (sql, params) => (await client.query(sql, params)).rows },
      tenantId,
      'select id from conversations where tenant_id = $1 and user_id = $2',
      [userId],
      { ofUser: true },
    );
  });
}

/** Forgets the erasures older than ERASURE_MEMORY_MS (all tenants); returns how many. */
export async function forgetErasures(db: QueryRunner, now = new Date()): Promise<number> {
  const rows = await db.query('delete from user_erasures where erased_at < $1 returning 1', [
    new Date(now.getTime() - ERASURE_MEMORY_MS),
  ]);
  return rows.length;
}

/**
 * After an erasure: every replica's caches that key on the tenant's knowledge generation (the
 * retrieval cache, the answer cache with the questions it keeps) start afresh, as after a document
 * change, once their poll of `search_generations` sees the bump (~250 ms), so no process keeps
 * serving an answer or holding a question of the erased user's for the cache's lifetime.
 */
export async function renewTenantCaches(db: QueryRunner, tenantId: string): Promise<void> {
  await db.query(
    `insert into search_generations as g (tenant_id) values ($1)
     on conflict (tenant_id) do update set generation = g.generation + 1`,
    [tenantId],
  );
}

/** Everything held of the user: their conversations, each with its messages, ratings and traces. */
export async function exportUser(
  db: QueryRunner,
  tenantId: string,
  userId: string,
): Promise<UserConversationExport[]> {
  const conversations = await db.query<Omit<UserConversationExport, 'messages' | 'feedback' | 'traces'>>(
    `select id, bot_id as bot, title, state, created_at, updated_at from conversations
      where tenant_id = $1 and user_id = $2 order by created_at, id`,
    [tenantId, userId],
  );
  const feedback = await db.query<UserConversationExport['feedback'][number] & { conversation_id: string }>(
    `select f.conversation_id, f.turn_id, f.rating, f.comment, f.created_at from feedback f
       join conversations c on c.id = f.conversation_id and c.tenant_id = f.tenant_id
      where f.tenant_id = $1 and c.user_id = $2 order by f.created_at`,
    [tenantId, userId],
  );
  const storedTraces = await db.query<UserConversationExport['traces'][number] & { conversation_id: string }>(
    `select t.conversation_id, t.turn_id, t.created_at, t.trace from turn_traces t
       join conversations c on c.id = t.conversation_id and c.tenant_id = t.tenant_id
      where t.tenant_id = $1 and c.user_id = $2 order by t.created_at, t.turn_id`,
    [tenantId, userId],
  );
  // Their passages put back from the chunks still stored (trace-prompt.ts).
  const expanded = await expandTracePrompts(
    storedTraces.map((row) => row.trace),
    chunkTexts(db, tenantId),
  );
  const traces = storedTraces.map((row, index) => ({ ...row, trace: expanded[index]! }));
  const ofConversation = <T extends { conversation_id: string }>(rows: T[], id: string) =>
    rows.filter((row) => row.conversation_id === id).map(({ conversation_id: _, ...row }) => row);
  return Promise.all(
    conversations.map(async (conversation) => ({
      ...conversation,
      messages: await getMessages(db, tenantId, conversation.id),
      feedback: ofConversation(feedback, conversation.id),
      traces: ofConversation(traces, conversation.id),
    })),
  );
}
