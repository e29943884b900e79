// PARLEY_DB_POOL_SIZE=1 is a valid setting: the start-up work that holds the migration lock runs on
// the lock's own connection, so a pool of one does not wait for a second connection (it timed out
// at start-up before).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { prepareDataDir } from '../support/test-backend.js';

describe('a pool of one connection', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  beforeAll(() => admin(`create schema ${schema}`));
  afterAll(() => admin(`drop schema if exists ${schema} cascade`));

  it('opens, migrates and serves on PostgreSQL and on the embedded database', async () => {
    const settings = [
      { DATABASE_URL: inject('databaseUrl'), PARLEY_DB_POOL_SIZE: '1' },
      { PARLEY_DATA_DIR: await prepareDataDir(), PARLEY_DB_POOL_SIZE: '1' },
    ];
    for (const env of settings) {
      const db = await openDatabase(
        loadConfig(env).storage,
        createLogger('silent'),
        env.DATABASE_URL ? { schema } : {},
      );
      try {
        expect(await db.ping()).toBe(true);
        const rows = await db.query<{ n: number }>('select count(*)::int as n from schema_migrations');
        expect(rows[0]!.n).toBeGreaterThan(20);
      } finally {
        await db.close();
      }
    }
  });
});
