// Where a conversation's data can be: every table with a user_id or conversation_id column, for
// the tests that show an erasure or an expiry leaves nothing behind.
import type { Database } from '../../src/storage/index.js';

/**
 * Rows of every table with a user_id or conversation_id column that name `userId` (if given) or
 * one of the conversations `ids`, and those conversations themselves; by `table.column`.
 */
export async function rowsOf(db: Database, userId: string | undefined, ids: string[]) {
  const columns = await db.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and column_name in ('user_id', 'conversation_id')
        -- the record of an erasure (its user's id and time) that turns still in flight read
        and table_name <> 'user_erasures'
        and table_name in (select table_name from information_schema.tables
                            where table_schema = current_schema() and table_type = 'BASE TABLE')`,
  );
  const found: Record<string, number> = {};
  for (const { table_name: table, column_name: column } of columns) {
    if (column === 'user_id' && userId === undefined) continue;
    const [row] =
      column === 'user_id'
        ? await db.query<{ n: number }>(`select count(*)::int as n from ${table} where user_id = $1`, [
            userId,
          ])
        : await db.query<{ n: number }>(
            `select count(*)::int as n from ${table} where conversation_id = any($1::text[])`,
            [ids],
          );
    if (row!.n > 0) found[`${table}.${column}`] = row!.n;
  }
  // The conversations themselves (their id column).
  const [own] = await db.query<{ n: number }>(
    'select count(*)::int as n from conversations where id = any($1::text[])',
    [ids],
  );
  if (own!.n > 0) found['conversations.id'] = own!.n;
  return found;
}
