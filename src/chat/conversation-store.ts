// Conversations, messages and turn traces in the database, scoped by tenant.
import type { Database } from '../storage/index.js';
import type { Citation } from './extractive-answer.js';

export interface MessageRecord {
  id: string;
  turn_id: string;
  role: 'user' | 'assistant';
  content: string;
  citations: Citation[] | null;
  usage: unknown;
  created_at: string;
}

/** Everything one finished turn writes. */
export interface TurnRecord {
  tenantId: string;
  botId: string;
  conversationId: string;
  turnId: string;
  user: { id: string; content: string; at: Date };
  assistant: { id: string; content: string; citations: Citation[]; usage: unknown; at: Date };
  trace: unknown;
}

export async function conversationExists(db: Database, tenantId: string, id: string): Promise<boolean> {
  return (await conversationBot(db, tenantId, id)) !== undefined;
}

/** The bot a conversation belongs to; undefined when the tenant has no such conversation. */
export async function conversationBot(
  db: Database,
  tenantId: string,
  id: string,
): Promise<string | undefined> {
  const rows = await db.query<{ bot_id: string }>(
    'select bot_id from conversations where id = $1 and tenant_id = $2',
    [id, tenantId],
  );
  return rows[0]?.bot_id;
}

/**
 * Writes a turn's two messages and its trace in one statement (atomic, and one round trip: on
 * the embedded database it holds the single session as briefly as possible); idempotent on retry.
 */
export async function saveTurn(db: Database, turn: TurnRecord): Promise<void> {
  await db.query(
    `with conversation as (
       insert into conversations(id, tenant_id, bot_id, title) values ($3, $2, $14, $4)
         on conflict (id) do update set updated_at = now() where conversations.tenant_id = excluded.tenant_id
     ), turn_messages as (
       insert into messages(id, tenant_id, conversation_id, turn_id, role, content, citations, usage, created_at)
       values ($5, $2, $3, $1, 'user', $6, null, null, $7), ($8, $2, $3, $1, 'assistant', $9, $10, $11, $12)
       on conflict (id) do nothing
     )
     insert into turn_traces(turn_id, tenant_id, conversation_id, trace) values ($1, $2, $3, $13)
       on conflict (turn_id) do nothing`,
    [
      turn.turnId,
      turn.tenantId,
      turn.conversationId,
      turn.user.content.slice(0, 200),
      turn.user.id,
      turn.user.content,
      turn.user.at,
      turn.assistant.id,
      turn.assistant.content,
      JSON.stringify(turn.assistant.citations),
      JSON.stringify(turn.assistant.usage),
      turn.assistant.at,
      JSON.stringify(turn.trace),
      turn.botId,
    ],
  );
}

export async function getMessages(db: Database, tenantId: string, conversationId: string) {
  return db.query<MessageRecord>(
    `select id, turn_id, role, content, citations, usage, created_at from messages
       where conversation_id = $1 and tenant_id = $2 order by created_at, role desc`,
    [conversationId, tenantId],
  );
}

export async function getTrace(db: Database, tenantId: string, turnId: string): Promise<unknown | undefined> {
  const rows = await db.query<{ trace: unknown }>(
    'select trace from turn_traces where turn_id = $1 and tenant_id = $2',
    [turnId, tenantId],
  );
  return rows[0]?.trace;
}
