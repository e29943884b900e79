// SQL for end users' long-term memories (migration 24): read, saved (one row per topic, the
// oldest beyond the bound dropped), edited and deleted by their user, expired by the retention
// sweep. Every statement names the tenant and the user: another user's id matches nothing.
import { randomUUID } from 'node:crypto';
import type { QueryRunner } from '../../storage/index.js';

export const MEMORY_KINDS = ['fact', 'preference'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];

/** One memory as stored and as the API shows it. */
export interface MemoryRecord {
  id: string;
  kind: MemoryKind;
  /** A short stable name for what it is about (a changed preference replaces the one of its topic). */
  topic: string;
  text: string;
  bot_id: string;
  /** The conversation and turn it was taken from (the conversation may be gone since). */
  conversation_id: string | null;
  turn_id: string;
  created_at: string;
  updated_at: string;
}

/** A memory the model took from a turn, before it is stored. */
export interface MemoryCandidate {
  topic: string;
  kind: MemoryKind;
  text: string;
}

/** Where memories came from. */
export interface MemorySource {
  tenantId: string;
  userId: string;
  botId: string;
  conversationId: string;
  turnId: string;
}

const COLUMNS = `id, kind, topic, text, bot_id, conversation_id, turn_id,
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
  to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as updated_at`;

/** The user's memories, the latest updated first. */
export function listMemories(db: QueryRunner, tenantId: string, userId: string): Promise<MemoryRecord[]> {
  return db.query<MemoryRecord>(
    `select ${COLUMNS} from memories where tenant_id = $1 and user_id = $2 order by updated_at desc, id`,
    [tenantId, userId],
  );
}

/**
 * Stores what a turn taught about its user: a topic already held is updated in place (its text,
 * kind and source), a new one added; then only the `max` latest updated are kept. Nothing is
 * stored when the turn's messages are gone (erased or deleted while the model read the turn) or
 * its user was erased since; the read of user_erasures makes an erasure wait for this statement
 * (user-data.ts).
 */
export async function saveMemories(
  db: QueryRunner,
  source: MemorySource,
  candidates: readonly MemoryCandidate[],
  max: number,
): Promise<void> {
  if (candidates.length === 0) return;
  const { tenantId, userId, botId, conversationId, turnId } = source;
  await db.query(
    `insert into memories (id, tenant_id, user_id, topic, kind, text, bot_id, conversation_id, turn_id)
     select m.id, $1, $2, m.topic, m.kind, m.text, $3, $4, $5
       from unnest($6::text[], $7::text[], $8::text[], $9::text[]) as m(id, topic, kind, text)
      where exists (select 1 from messages m where m.tenant_id = $1 and m.turn_id = $5
                     and not exists (select 1 from user_erasures e where e.tenant_id = $1 and e.user_id = $2
                                        and e.erased_at >= m.created_at))
     on conflict (tenant_id, user_id, topic) do update
       set kind = excluded.kind, text = excluded.text, bot_id = excluded.bot_id,
           conversation_id = excluded.conversation_id, turn_id = excluded.turn_id, updated_at = now()`,
    [
      tenantId,
      userId,
      botId,
      conversationId,
      turnId,
      candidates.map(() => randomUUID()),
      candidates.map((c) => c.topic),
      candidates.map((c) => c.kind),
      candidates.map((c) => c.text),
    ],
  );
  await db.query(
    `delete from memories where tenant_id = $1 and user_id = $2 and id in
       (select id from memories where tenant_id = $1 and user_id = $2
         order by updated_at desc, id offset $3)`,
    [tenantId, userId, max],
  );
}

/** The bot a memory of the user's was taken from; undefined when the user has no such memory. */
export async function memoryBot(
  db: QueryRunner,
  tenantId: string,
  userId: string,
  id: string,
): Promise<string | undefined> {
  const [row] = await db.query<{ bot_id: string }>(
    'select bot_id from memories where tenant_id = $1 and user_id = $2 and id = $3',
    [tenantId, userId, id],
  );
  return row?.bot_id;
}

/** Changes a memory's text (its user's edit); undefined when the user has no such memory. */
export async function updateMemory(
  db: QueryRunner,
  tenantId: string,
  userId: string,
  id: string,
  text: string,
): Promise<MemoryRecord | undefined> {
  const [row] = await db.query<MemoryRecord>(
    `update memories set text = $4, updated_at = now()
      where tenant_id = $1 and user_id = $2 and id = $3 returning ${COLUMNS}`,
    [tenantId, userId, id, text],
  );
  return row;
}

/** Deletes one memory of the user's (`id`) or all of them; returns how many went. */
export async function deleteMemories(
  db: QueryRunner,
  tenantId: string,
  userId: string,
  id?: string,
): Promise<number> {
  const rows = await db.query(
    `delete from memories where tenant_id = $1 and user_id = $2 ${id === undefined ? '' : 'and id = $3'} returning 1`,
    id === undefined ? [tenantId, userId] : [tenantId, userId, id],
  );
  return rows.length;
}

const BATCH = 5_000;

/** Deletes every memory not updated since `cutoff` (all tenants), in batches; returns how many. */
export async function expireMemories(db: QueryRunner, cutoff: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    const rows = await db.query(
      `delete from memories where id in (select id from memories where updated_at < $1 limit ${BATCH}) returning 1`,
      [cutoff],
    );
    deleted += rows.length;
    if (rows.length < BATCH) return deleted;
  }
}
