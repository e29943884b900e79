import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { prepareDataDir, useScratchSchema } from '../support/test-backend.js';

describe('a pool of one connection', () => {
  const schema = useScratchSchema();

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
