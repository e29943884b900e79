// Everything a tenant holds of one end user (a signed-in user, or one a key acted for), for the
// data rights: an export of it all, and its erasure everywhere in one statement. A user's data is
// their conversations and what hangs from them: messages, turn traces, feedback, actions waiting
// for approval and a widget visitor's claim. Usage rows are the tenant's accounting and stay, with
// the erased conversation's id removed from them, so nothing left points back at the user.
import type { QueryRunner } from '../storage/index.js';
import { getMessages, type MessageRecord } from './conversation-store.js';

/** What an erasure removed, by kind (and the usage rows it detached). */
export interface ErasureReport {
  conversations: number;
  messages: number;
  traces: number;
  feedback: number;
  approvals: number;
  visitor_claims: number;
  usage_rows_detached: number;
}

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
}

/** What an erasure removed, and the ids of the conversations it removed. */
export interface Erasure {
  report: ErasureReport;
  conversationIds: string[];
}

/** Erases the user's data in one statement; the ids of the conversations removed come back too. */
export function eraseUser(db: QueryRunner, tenantId: string, userId: string): Promise<Erasure> {
  return eraseConversations(
    db,
    tenantId,
    'select id from conversations where tenant_id = $1 and user_id = $2',
    [userId],
  );
}

/**
 * Erases the tenant's conversations that `doomed` selects (a query of their ids, where $1 is the
 * tenant and $2... are `params`) and everything hanging from them, in one statement; usage rows
 * stay, no longer naming them. A `limit` in `doomed` bounds the statement: the query is run once.
 */
export async function eraseConversations(
  db: QueryRunner,
  tenantId: string,
  doomed: string,
  params: readonly unknown[],
): Promise<Erasure> {
  // Every part of a statement sees the data as it was before it: the counts are of what goes.
  // A query named more than once in a with clause is run once (materialised).
  const rows = await db.query<ErasureReport & { ids: string[] }>(
    `with doomed as (
       ${doomed}
     ), traces as (
       delete from turn_traces where tenant_id = $1 and conversation_id in (select id from doomed) returning 1
     ), approvals as (
       delete from tool_approvals where tenant_id = $1 and conversation_id in (select id from doomed) returning 1
     ), visitors as (
       delete from visitor_conversations where tenant_id = $1 and conversation_id in (select id from doomed) returning 1
     ), usage_rows as (
       update usage set conversation_id = null
        where tenant_id = $1 and conversation_id in (select id from doomed) returning 1
     ), gone as (
       -- messages and feedback follow their conversation (on delete cascade)
       delete from conversations where tenant_id = $1 and id in (select id from doomed) returning id
     )
     select (select count(*) from gone)::int as conversations,
            (select count(*) from messages where tenant_id = $1 and conversation_id in (select id from doomed))::int
              as messages,
            (select count(*) from traces)::int as traces,
            (select count(*) from feedback where tenant_id = $1 and conversation_id in (select id from doomed))::int
              as feedback,
            (select count(*) from approvals)::int as approvals,
            (select count(*) from visitors)::int as visitor_claims,
            (select count(*) from usage_rows)::int as usage_rows_detached,
            coalesce((select array_agg(id) from gone), '{}') as ids`,
    [tenantId, ...params],
  );
  const { ids, ...report } = rows[0]!;
  return { report, conversationIds: ids };
}

/** Everything held of the user: their conversations, each with its messages and their ratings. */
export async function exportUser(
  db: QueryRunner,
  tenantId: string,
  userId: string,
): Promise<UserConversationExport[]> {
  const conversations = await db.query<Omit<UserConversationExport, 'messages' | 'feedback'>>(
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
  return Promise.all(
    conversations.map(async (conversation) => ({
      ...conversation,
      messages: await getMessages(db, tenantId, conversation.id),
      feedback: feedback
        .filter((row) => row.conversation_id === conversation.id)
        .map(({ conversation_id: _, ...row }) => row),
    })),
  );
}
