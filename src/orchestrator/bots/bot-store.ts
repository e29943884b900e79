// Bot rows, scoped by tenant.
import { ParleyError } from '../../errors/index.js';
import type { QueryRunner } from '../../storage/index.js';
import type { BotSettings } from './bot-settings.js';

export interface BotRow {
  id: string;
  name: string;
  settings: BotSettings;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, name, settings, created_at, updated_at';

export async function findBot(db: QueryRunner, tenantId: string, id: string): Promise<BotRow | undefined> {
  const rows = await db.query<BotRow>(`select ${COLUMNS} from bots where tenant_id = $1 and id = $2`, [
    tenantId,
    id,
  ]);
  return rows[0];
}

export async function listBots(db: QueryRunner, tenantId: string): Promise<BotRow[]> {
  return db.query<BotRow>(`select ${COLUMNS} from bots where tenant_id = $1 order by id`, [tenantId]);
}

/** Inserts a new bot; 409 when the tenant already has one with this id. */
export async function insertBot(
  db: QueryRunner,
  tenantId: string,
  bot: { id: string; name: string; settings: BotSettings },
): Promise<BotRow> {
  const rows = await db.query<BotRow>(
    `insert into bots(tenant_id, id, name, settings) values ($1, $2, $3, $4)
       on conflict (tenant_id, id) do nothing returning ${COLUMNS}`,
    [tenantId, bot.id, bot.name, JSON.stringify(bot.settings)],
  );
  if (!rows[0]) throw new ParleyError('PARLEY_ERR_CONFLICT', `bot ${bot.id} already exists`);
  return rows[0];
}

/** Writes a bot's name and settings, creating the row if needed (the default bot's override). */
export async function upsertBot(
  db: QueryRunner,
  tenantId: string,
  bot: { id: string; name: string; settings: BotSettings },
): Promise<BotRow> {
  const rows = await db.query<BotRow>(
    `insert into bots(tenant_id, id, name, settings) values ($1, $2, $3, $4)
       on conflict (tenant_id, id) do update
         set name = excluded.name, settings = excluded.settings, updated_at = now()
       returning ${COLUMNS}`,
    [tenantId, bot.id, bot.name, JSON.stringify(bot.settings)],
  );
  return rows[0]!;
}

/**
 * Deletes a bot's row; with `curated`, its curated answers too, in the same statement (a bot made
 * again with the id starts without them).
 */
export async function deleteBot(
  db: QueryRunner,
  tenantId: string,
  id: string,
  options: { curated: boolean },
): Promise<boolean> {
  const rows = await db.query(
    `with gone as (delete from bots where tenant_id = $1 and id = $2 returning id),
          curated as (delete from curated_answers
                       where $3 and tenant_id = $1 and bot_id = $2 and exists (select 1 from gone))
     select id from gone`,
    [tenantId, id, options.curated],
  );
  return rows.length > 0;
}
