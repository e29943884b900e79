// Conversations, messages and turn traces in the database, scoped by tenant.
import type { QueryRunner } from '../storage/index.js';
import type { ConversationState } from './conversation-memory.js';
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
  /** Where the conversation stands after this turn. */
  state: ConversationState;
}

/**
 * Writes turns (each: its conversation, two messages and its trace) in one statement: atomic, and
 * one round trip however many turns (group commit, see GroupWriter); idempotent on retry.
 */
export async function saveTurns(db: QueryRunner, turns: readonly TurnRecord[]): Promise<void> {
  const rows = turns.map((turn) => ({
    turn_id: turn.turnId,
    tenant_id: turn.tenantId,
    conversation_id: turn.conversationId,
    bot_id: turn.botId,
    title: turn.user.content.slice(0, 200),
    user_id: turn.user.id,
    user_content: turn.user.content,
    user_at: turn.user.at.toISOString(),
    assistant_id: turn.assistant.id,
    assistant_content: turn.assistant.content,
    citations: turn.assistant.citations,
    usage: turn.assistant.usage ?? null,
    assistant_at: turn.assistant.at.toISOString(),
    trace: turn.trace,
    state: turn.state,
  }));
  await db.query(
    `with turn as (
       select * from jsonb_to_recordset($1::jsonb) as t(
         turn_id text, tenant_id text, conversation_id text, bot_id text, title text,
         user_id text, user_content text, user_at timestamptz,
         assistant_id text, assistant_content text, citations jsonb, usage jsonb, assistant_at timestamptz,
         trace jsonb, state text)
     ), conversation as (
       -- The first turn's title, the last turn's state.
       insert into conversations(id, tenant_id, bot_id, title, state)
         select distinct on (conversation_id) conversation_id, tenant_id, bot_id, title,
                (select l.state from turn l where l.conversation_id = turn.conversation_id
                  order by l.user_at desc limit 1)
           from turn order by conversation_id, user_at
         on conflict (id) do update set updated_at = now(), state = excluded.state
           where conversations.tenant_id = excluded.tenant_id
     ), turn_messages as (
       insert into messages(id, tenant_id, conversation_id, turn_id, role, content, citations, usage, created_at)
         select user_id, tenant_id, conversation_id, turn_id, 'user', user_content, null, null, user_at from turn
         union all
         select assistant_id, tenant_id, conversation_id, turn_id, 'assistant', assistant_content, citations,
                usage, assistant_at from turn
         on conflict (id) do nothing
     )
     insert into turn_traces(turn_id, tenant_id, conversation_id, trace)
       select turn_id, tenant_id, conversation_id, trace from turn
       on conflict (turn_id) do nothing`,
    [JSON.stringify(rows)],
  );
}

export async function getMessages(db: QueryRunner, tenantId: string, conversationId: string) {
  return db.query<MessageRecord>(
    `select id, turn_id, role, content, citations, usage, created_at from messages
       where conversation_id = $1 and tenant_id = $2 order by created_at, role desc`,
    [conversationId, tenantId],
  );
}

export async function getTrace(
  db: QueryRunner,
  tenantId: string,
  turnId: string,
): Promise<unknown | undefined> {
  const rows = await db.query<{ trace: unknown }>(
    'select trace from turn_traces where turn_id = $1 and tenant_id = $2',
    [turnId, tenantId],
  );
  return rows[0]?.trace;
}

/** Deletes one turn's trace (tenant-scoped); false when the tenant has no such trace. */
export async function deleteTrace(db: QueryRunner, tenantId: string, turnId: string): Promise<boolean> {
  const rows = await db.query('delete from turn_traces where turn_id = $1 and tenant_id = $2 returning 1', [
    turnId,
    tenantId,
  ]);
  return rows.length > 0;
}

/** A conversation's state; undefined when the tenant has no stored conversation of that id. */
export async function conversationState(
  db: QueryRunner,
  tenantId: string,
  id: string,
): Promise<ConversationState | undefined> {
  const rows = await db.query<{ state: ConversationState }>(
    'select state from conversations where id = $1 and tenant_id = $2',
    [id, tenantId],
  );
  return rows[0]?.state;
}
