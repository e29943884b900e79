// curated_answers rows (migration 13), scoped by tenant and bot.
import type { Queryable, QueryRunner } from '../../storage/index.js';

export interface CuratedRow {
  id: string;
  bot_id: string;
  question: string;
  answer: string;
  created_at: string;
  updated_at: string;
}

/** A question and answer to store, with the question's normalised form. */
export interface CuratedInput {
  question: string;
  key: string;
  answer: string;
}

const COLUMNS = 'id, bot_id, question, answer, created_at, updated_at';

export async function listCurated(
  db: QueryRunner,
  tenantId: string,
  botId: string,
  page: { limit: number; offset: number },
): Promise<CuratedRow[]> {
  return db.query<CuratedRow>(
    `select ${COLUMNS} from curated_answers where tenant_id = $1 and bot_id = $2
      order by seq limit $3 offset $4`,
    [tenantId, botId, page.limit, page.offset],
  );
}

/** Every entry of a bot, for the matcher (at most `limit`). */
export async function loadCurated(
  db: QueryRunner,
  tenantId: string,
  botId: string,
  limit: number,
): Promise<Pick<CuratedRow, 'id' | 'question' | 'answer'>[]> {
  return db.query(
    `select id, question, answer from curated_answers where tenant_id = $1 and bot_id = $2
      order by seq limit $3`,
    [tenantId, botId, limit],
  );
}

/**
 * What changes whenever a bot's entries do: their count (deletions) and their latest change
 * (insertions and updates, stamped by the database's clock).
 */
export async function curatedVersion(db: QueryRunner, tenantId: string, botId: string): Promise<string> {
  const rows = await db.query<{ version: string }>(
    `select count(*)::text || '/' || coalesce(max(updated_at)::text, '') as version
       from curated_answers where tenant_id = $1 and bot_id = $2`,
    [tenantId, botId],
  );
  return rows[0]?.version ?? '';
}

/**
 * Takes the bot's curated-answers lock for the rest of the transaction, so that concurrent
 * creations and imports cannot together pass the per-bot cap.
 */
export async function lockBot(client: Queryable, tenantId: string, botId: string): Promise<void> {
  await client.query('select pg_advisory_xact_lock(hashtext($1))', [`curated/${tenantId}/${botId}`]);
}

export async function countCurated(client: Queryable, tenantId: string, botId: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    'select count(*)::int as n from curated_answers where tenant_id = $1 and bot_id = $2',
    [tenantId, botId],
  );
  return rows[0]?.n ?? 0;
}

/** Which of these normalised questions the bot has already. */
export async function existingKeys(
  client: Queryable,
  tenantId: string,
  botId: string,
  keys: string[],
): Promise<Set<string>> {
  const { rows } = await client.query<{ question_key: string }>(
    `select question_key from curated_answers
      where tenant_id = $1 and bot_id = $2 and question_key = any($3::text[])`,
    [tenantId, botId, keys],
  );
  return new Set(rows.map((row) => row.question_key));
}

/** Inserts one entry; undefined when the bot has this question already. */
export async function insertCurated(
  client: Queryable,
  tenantId: string,
  botId: string,
  id: string,
  input: CuratedInput,
): Promise<CuratedRow | undefined> {
  const { rows } = await client.query<CuratedRow>(
    `insert into curated_answers(id, tenant_id, bot_id, question, question_key, answer)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (tenant_id, bot_id, question_key) do nothing returning ${COLUMNS}`,
    [id, tenantId, botId, input.question, input.key, input.answer],
  );
  return rows[0];
}

/** Inserts the entries, or replaces the question and answer of those the bot has already. */
export async function upsertCurated(
  client: Queryable,
  tenantId: string,
  botId: string,
  ids: string[],
  inputs: CuratedInput[],
): Promise<{ inserted: number; updated: number }> {
  const { rows } = await client.query<{ inserted: boolean }>(
    `insert into curated_answers(id, tenant_id, bot_id, question, question_key, answer)
       select id, $1, $2, question, question_key, answer
         from unnest($3::text[], $4::text[], $5::text[], $6::text[])
           with ordinality as t(id, question, question_key, answer, ordinal)
        order by ordinal
       on conflict (tenant_id, bot_id, question_key) do update
         set question = excluded.question, answer = excluded.answer, updated_at = now()
       returning (xmax = 0) as inserted`,
    [
      tenantId,
      botId,
      ids,
      inputs.map((input) => input.question),
      inputs.map((input) => input.key),
      inputs.map((input) => input.answer),
    ],
  );
  const inserted = rows.filter((row) => row.inserted).length;
  return { inserted, updated: rows.length - inserted };
}

/** Changes an entry's question and/or answer; undefined when there is no such entry. */
export async function updateCurated(
  db: QueryRunner,
  tenantId: string,
  botId: string,
  id: string,
  change: { question?: string; key?: string; answer?: string },
): Promise<CuratedRow | undefined> {
  const rows = await db.query<CuratedRow>(
    `update curated_answers
        set question = coalesce($4, question), question_key = coalesce($5, question_key),
            answer = coalesce($6, answer), updated_at = now()
      where tenant_id = $1 and bot_id = $2 and id = $3 returning ${COLUMNS}`,
    [tenantId, botId, id, change.question ?? null, change.key ?? null, change.answer ?? null],
  );
  return rows[0];
}

export async function deleteCurated(
  db: QueryRunner,
  tenantId: string,
  botId: string,
  id: string,
): Promise<boolean> {
  const rows = await db.query(
    'delete from curated_answers where tenant_id = $1 and bot_id = $2 and id = $3 returning id',
    [tenantId, botId, id],
  );
  return rows.length > 0;
}
