// Conversations, messages and turn traces in the database, scoped by tenant.
import type { QueryRunner } from '../storage/index.js';
import { type ConversationState, MESSAGE_ORDER } from './conversation-memory.js';
import { eraseConversations } from './erase-conversations.js';
import type { Citation } from './extractive-answer.js';
import { type ChunkTexts, expandTracePrompts } from './trace-prompt.js';

export interface MessageRecord {
  id: string;
  turn_id: string;
  role: 'user' | 'assistant';
  content: string;
  citations: Citation[] | null;
  usage: unknown;
  created_at: string;
  /** Who wrote an assistant message: null for the bot, `agent` for a person it was handed to. */
  author: 'agent' | null;
  /** The bot's answer's rating (POST /v1/turns/{id}/feedback), when it has one. */
  rating: 'up' | 'down' | null;
}

/** Everything one finished turn writes. */
export interface TurnRecord {
  tenantId: string;
  botId: string;
  conversationId: string;
  turnId: string;
  /** The end user a new conversation belongs to (absent: the tenant); an existing one keeps its owner. */
  owner?: string;
  /**
   * The turn continues a conversation the request named (stored, or its first turn pending): it is
   * stored only while that conversation still is, or its first turn is written beside it, so that a
   * conversation deleted or erased while the turn ran stays gone (absent: a new conversation).
   */
  existing?: boolean;
  /** The user's message; absent for a turn that continues one paused for an approval. */
  user: { id: string; content: string; at: Date } | undefined;
  /** The bot's answer; absent while the conversation is handed to a person (the bot is silent). */
  assistant: { id: string; content: string; citations: Citation[]; usage: unknown; at: Date } | undefined;
  trace: unknown;
  /** Where the conversation stands after this turn. */
  state: ConversationState;
  /** Not-found answers in a row at the end of the conversation after this turn (absent: 0). */
  notFoundStreak?: number;
  /** A job stored with the turn, atomically (a handoff's webhook event: jobs/webhooks). */
  job?: { id: string; kind: string; payload: unknown; maxAttempts: number };
}

/**
 * Writes turns (each: its conversation, two messages and its trace) in one statement: atomic, and
 * one round trip however many turns (group commit, see GroupWriter); idempotent on retry. A turn
 * whose user was erased after its question (user_erasures; the owner is the conversation's, else
 * the turn's) is left out, as is one continuing a conversation gone meanwhile: an erasure holds for
 * the turns it overtook in the write-behind queue, on any process (user-data.ts).
 */
export async function saveTurns(db: QueryRunner, turns: readonly TurnRecord[]): Promise<void> {
  const rows = turns.map((turn) => ({
    turn_id: turn.turnId,
    tenant_id: turn.tenantId,
    conversation_id: turn.conversationId,
    bot_id: turn.botId,
    owner: turn.owner ?? null,
    existing: turn.existing ?? false,
    title: (turn.user?.content ?? turn.assistant?.content ?? '').slice(0, 200),
    user_id: turn.user?.id ?? null,
    user_content: turn.user?.content ?? null,
    // What orders a conversation's turns: the question's time, else the answer's.
    user_at: (turn.user?.at ?? turn.assistant?.at ?? new Date()).toISOString(),
    assistant_id: turn.assistant?.id ?? null,
    assistant_content: turn.assistant?.content ?? null,
    citations: turn.assistant?.citations ?? null,
    usage: turn.assistant?.usage ?? null,
    assistant_at: turn.assistant?.at.toISOString() ?? null,
    trace: turn.trace,
    state: turn.state,
    not_found_streak: turn.notFoundStreak ?? 0,
    job: turn.job ?? null,
  }));
  await db.query(
    `with given as (
       select * from jsonb_to_recordset($1::jsonb) as t(
         turn_id text, tenant_id text, conversation_id text, bot_id text, owner text, existing boolean,
         title text, user_id text, user_content text, user_at timestamptz,
         assistant_id text, assistant_content text, citations jsonb, usage jsonb, assistant_at timestamptz,
         trace jsonb, state text, not_found_streak int, job jsonb)
     ), turn as (
       -- Left out: a turn of a user erased after its question (the stored conversation's owner, else
       -- the turn's), and a follow-up of a conversation no longer stored whose first turn is not here.
       -- Each looked up by its primary key, one turn at a time (a lateral with a limit is not
       -- flattened into a join, which the planner hashed over the whole table for the 100 rows it
       -- assumes of jsonb_to_recordset: every write read every conversation), and the tenant checked
       -- after, so that a plan made on an empty table cannot take the tenant's index instead and
       -- read all of the tenant's conversations (a prepared statement keeps its plan).
       select g.* from given g
         left join lateral (select c.id, c.user_id, c.tenant_id from conversations c
                             where c.id = g.conversation_id limit 1) c on c.tenant_id = g.tenant_id
         left join lateral (select e.erased_at from user_erasures e
                             where e.tenant_id = g.tenant_id and e.user_id = coalesce(c.user_id, g.owner)
                             limit 1) e on true
        where (e.erased_at is null or e.erased_at < g.user_at)
          and (not g.existing or c.id is not null
               or g.conversation_id in (select f.conversation_id from given f where not f.existing))
     ), conversation as (
       -- The first turn's title, the last turn's state and not-found streak.
       insert into conversations(id, tenant_id, bot_id, user_id, title, state, not_found_streak)
         select distinct on (conversation_id) conversation_id, tenant_id, bot_id, owner, title, last.state,
                last.not_found_streak
           from turn, lateral (select l.state, l.not_found_streak from turn l
                                where l.conversation_id = turn.conversation_id
                                order by l.user_at desc limit 1) last
           order by conversation_id, user_at
         on conflict (id) do update set updated_at = now(), state = excluded.state,
           not_found_streak = excluded.not_found_streak
           where conversations.tenant_id = excluded.tenant_id
     ), turn_jobs as (
       insert into jobs(id, tenant_id, kind, payload, max_attempts)
         select job->>'id', tenant_id, job->>'kind', job->'payload', (job->>'maxAttempts')::int
           from turn where job is not null
         on conflict (id) do nothing
     ), turn_messages as (
       insert into messages(id, tenant_id, conversation_id, turn_id, role, content, citations, usage, created_at)
         select user_id, tenant_id, conversation_id, turn_id, 'user', user_content, null, null, user_at from turn
          where user_id is not null
         union all
         select assistant_id, tenant_id, conversation_id, turn_id, 'assistant', assistant_content, citations,
                usage, assistant_at from turn where assistant_id is not null
         on conflict (id) do nothing
     )
     insert into turn_traces(turn_id, tenant_id, conversation_id, trace)
       select turn_id, tenant_id, conversation_id, trace from turn
       on conflict (turn_id) do nothing`,
    [JSON.stringify(rows)],
    { prepare: 'save_turns' },
  );
}

export async function getMessages(db: QueryRunner, tenantId: string, conversationId: string) {
  return db.query<MessageRecord>(
    `select id, turn_id, role, content, citations, usage, created_at, author,
            (select f.rating from feedback f
              where f.tenant_id = m.tenant_id and f.turn_id = m.turn_id and m.role = 'assistant'
                and m.author is null) as rating
       from messages m
       where conversation_id = $1 and tenant_id = $2 order by ${MESSAGE_ORDER}`,
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
  if (rows[0] === undefined) return undefined;
  const [trace] = await expandTracePrompts([rows[0].trace], chunkTexts(db, tenantId));
  return trace;
}

/** The tenant's chunks' text by id, for putting a stored trace's passages back (trace-prompt.ts). */
export function chunkTexts(db: QueryRunner, tenantId: string): ChunkTexts {
  return async (ids) => {
    const rows = await db.query<{ id: number; text: string }>(
      'select id, text from chunks where tenant_id = $1 and id = any($2::bigint[])',
      [tenantId, ids],
    );
    return new Map(rows.map((row) => [Number(row.id), row.text]));
  };
}

/** Deletes one turn's trace (tenant-scoped); false when the tenant has no such trace. */
export async function deleteTrace(db: QueryRunner, tenantId: string, turnId: string): Promise<boolean> {
  const rows = await db.query('delete from turn_traces where turn_id = $1 and tenant_id = $2 returning 1', [
    turnId,
    tenantId,
  ]);
  return rows.length > 0;
}

/** Whether the tenant's stored conversation `id` belongs to end user `userId`. */
export async function isUsersConversation(
  db: QueryRunner,
  tenantId: string,
  id: string,
  userId: string,
): Promise<boolean> {
  const rows = await db.query(
    'select 1 from conversations where id = $1 and tenant_id = $2 and user_id = $3',
    [id, tenantId, userId],
  );
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

/** A conversation handed to a person, as the agent API lists it. */
export interface HandedOffConversation {
  id: string;
  bot: string;
  title: string | null;
  updated_at: string;
}

/** The tenant's conversations a person answers now, the longest waiting first. */
export async function handedOffConversations(
  db: QueryRunner,
  tenantId: string,
  limit: number,
): Promise<HandedOffConversation[]> {
  return db.query<HandedOffConversation>(
    `select id, bot_id as bot, title, updated_at from conversations
      where tenant_id = $1 and state = 'handed_off' order by updated_at limit $2`,
    [tenantId, limit],
  );
}

/**
 * Adds a person's reply to a conversation handed to them; undefined when the tenant has no such
 * conversation handed off (the state is checked in the same statement).
 */
export async function addAgentReply(
  db: QueryRunner,
  tenantId: string,
  conversationId: string,
  reply: { id: string; turnId: string; content: string },
): Promise<{ id: string; created_at: string } | undefined> {
  const rows = await db.query<{ id: string; created_at: string }>(
    `with handed as (
       update conversations set updated_at = now()
        where id = $1 and tenant_id = $2 and state = 'handed_off' returning id, tenant_id
     )
     insert into messages(id, tenant_id, conversation_id, turn_id, role, content, author)
       select $3, tenant_id, id, $4, 'assistant', $5, 'agent' from handed
     returning id, created_at`,
    [conversationId, tenantId, reply.id, reply.turnId, reply.content],
  );
  return rows[0];
}

/** Hands a conversation back to the bot; false when the tenant has no such conversation handed off. */
export async function handBack(db: QueryRunner, tenantId: string, conversationId: string): Promise<boolean> {
  const rows = await db.query(
    `update conversations set state = 'active', updated_at = now()
      where id = $1 and tenant_id = $2 and state = 'handed_off' returning 1`,
    [conversationId, tenantId],
  );
  return rows.length > 0;
}

/** A conversation as its owner's list shows it. */
export interface ConversationSummary {
  id: string;
  bot: string;
  title: string | null;
  state: ConversationState;
  messages: number;
  created_at: string;
  updated_at: string;
}

/**
 * The tenant's conversations, the latest changed first; `search`: words of the title (any case);
 * `userId`: that end user's only (absent: all of the tenant's).
 */
export async function listConversations(
  db: QueryRunner,
  tenantId: string,
  page: { limit: number; offset: number; search?: string; userId?: string },
): Promise<ConversationSummary[]> {
  // The search is a literal: % and _ in it match themselves.
  const pattern = page.search ? `%${page.search.replace(/[\\%_]/g, (char) => `\\${char}`)}%` : null;
  return db.query<ConversationSummary>(
    `select c.id, c.bot_id as bot, c.title, c.state, c.created_at, c.updated_at,
            (select count(*) from messages m where m.conversation_id = c.id and m.tenant_id = c.tenant_id)::int
              as messages
       from conversations c
      where c.tenant_id = $1 and ($2::text is null or c.title ilike $2)
        and ($5::text is null or c.user_id = $5)
      order by c.updated_at desc, c.id limit $3 offset $4`,
    [tenantId, pattern, page.limit, page.offset, page.userId ?? null],
  );
}

/** The conversation's bot; undefined when the tenant has no such conversation. */
export async function conversationBot(
  db: QueryRunner,
  tenantId: string,
  id: string,
): Promise<string | undefined> {
  const rows = await db.query<{ bot_id: string }>(
    'select bot_id from conversations where id = $1 and tenant_id = $2',
    [id, tenantId],
  );
  return rows[0]?.bot_id;
}

/** Renames a conversation; undefined when the tenant has no such conversation. */
export async function renameConversation(
  db: QueryRunner,
  tenantId: string,
  conversationId: string,
  title: string,
): Promise<ConversationSummary | undefined> {
  const rows = await db.query<ConversationSummary>(
    `update conversations c set title = $3 where id = $1 and tenant_id = $2
      returning c.id, c.bot_id as bot, c.title, c.state, c.created_at, c.updated_at,
        (select count(*) from messages m where m.conversation_id = c.id and m.tenant_id = c.tenant_id)::int
          as messages`,
    [conversationId, tenantId, title],
  );
  return rows[0];
}

/**
 * Deletes a conversation and everything held of it, in one statement (erase-conversations.ts).
 * Usage rows stay: they are the tenant's accounting. False when the tenant has no such
 * conversation.
 */
export async function deleteConversation(
  db: QueryRunner,
  tenantId: string,
  conversationId: string,
): Promise<boolean> {
  const { report } = await eraseConversations(
    db,
    tenantId,
    'select id from conversations where tenant_id = $1 and id = $2',
    [conversationId],
  );
  return report.conversations > 0;
}

/**
 * Deletes one turn of a conversation: its question and answer, its trace, its feedback and any
 * action it waits on (in one statement). Usage rows stay. False when the tenant's conversation has
 * no such turn (or it is not stored yet: turns are written just after their answer).
 */
export async function deleteTurn(
  db: QueryRunner,
  tenantId: string,
  conversationId: string,
  turnId: string,
): Promise<boolean> {
  const rows = await db.query(
    `with traces as (
       delete from turn_traces where turn_id = $3 and conversation_id = $1 and tenant_id = $2
     ), approvals as (
       delete from tool_approvals where turn_id = $3 and conversation_id = $1 and tenant_id = $2
     ), rated as (
       delete from feedback where turn_id = $3 and conversation_id = $1 and tenant_id = $2
     )
     delete from messages where turn_id = $3 and conversation_id = $1 and tenant_id = $2 returning id`,
    [conversationId, tenantId, turnId],
  );
  return rows.length > 0;
}
