// A secret generated once and stored in the database, so that every replica (and every restart)
// signs and checks widget visitor tokens with the same key without any configuration.
import { randomBytes } from 'node:crypto';
import type { Database } from '../../storage/index.js';

export async function loadServerSecret(db: Database, name: string): Promise<Buffer> {
  await db.query('insert into server_secrets(name, value) values ($1, $2) on conflict (name) do nothing', [
    name,
    randomBytes(32).toString('base64'),
  ]);
  const rows = await db.query<{ value: string }>('select value from server_secrets where name = $1', [name]);
  return Buffer.from(rows[0]!.value, 'base64');
}
