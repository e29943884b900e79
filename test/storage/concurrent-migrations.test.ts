// Replicas starting together on an empty PostgreSQL schema (a rollout, or `parley migrate` beside
// starting pods): every process opens the database, every migration is applied exactly once, and
// all of them end on the same, current schema.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { MIGRATIONS, openDatabase } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';

const PROCESSES = 4;

describe('migrations with several replicas starting at once', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = () => new pg.Client({ connectionString: inject('databaseUrl') });

  beforeAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
  });
  afterAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  });

  it('applies each migration once, whoever gets the lock first, and every replica opens', async () => {
    const storage = loadConfig({ DATABASE_URL: inject('databaseUrl'), PARLEY_DB_POOL_SIZE: '2' }).storage;
    const log = createLogger('silent');
    const handles = await Promise.all(
      Array.from({ length: PROCESSES }, () => openDatabase(storage, log, { schema })),
    );
    try {
      const applied = handles.flatMap((db) => db.appliedMigrations).sort((a, b) => a - b);
      const versions = MIGRATIONS.map((migration) => migration.version).sort((a, b) => a - b);
      expect(applied).toEqual(versions);
      const rows = await handles[0]!.query<{ version: number }>(
        'select version from schema_migrations order by version',
      );
      expect(rows.map((row) => row.version)).toEqual(versions);
      for (const db of handles) expect(await db.ping()).toBe(true);
    } finally {
      await Promise.all(handles.map((db) => db.close()));
    }
  });
});
