// Applies pending migrations in order, each in its own transaction, under an advisory lock so
// that replicas starting together do not race.
import type pg from 'pg';
import { MIGRATIONS, type Migration } from './migrations.js';

const LOCK_KEY = 7_305_172; // arbitrary, constant: "parley migrations"

/** Returns the versions applied by this call (empty when the schema was already current). */
export async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(
      `create table if not exists schema_migrations (
         version integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const done = await client.query<{ version: number }>('select version from schema_migrations');
    const have = new Set(done.rows.map((row) => row.version));
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (have.has(migration.version)) continue;
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query('insert into schema_migrations(version, name) values ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('commit');
        applied.push(migration.version);
      } catch (error) {
        await client.query('rollback');
        throw new Error(
          `migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    client.release();
  }
  return applied;
}

/**
 * Runs `work` while holding the migration lock (schema changes from replicas starting together), on
 * the connection that holds it: a pool of one connection (PARLEY_DB_POOL_SIZE=1) has no other.
 */
export async function withMigrationLock<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_KEY]);
    return await work(client);
  } finally {
    await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    client.release();
  }
}
