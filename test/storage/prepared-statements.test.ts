// The hot writes as named prepared statements (PARLEY_DB_PREPARED_STATEMENTS): on PostgreSQL a
// statement is prepared once per connection and reused; with the setting off nothing is prepared
// (for a pooler that cannot keep them). The embedded database's shared session is tested in
// src/storage/embedded/session-queue.test.ts.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase, preparedBatch } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';

describe('prepared statements on PostgreSQL', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  beforeAll(() => admin(`create schema ${schema}`));
  afterAll(() => admin(`drop schema if exists ${schema} cascade`));

  const open = (prepared: 'on' | 'off') =>
    openDatabase(
      // Queries one after another reuse one idle connection, so that pg_prepared_statements (per
      // session) sees what they left.
      loadConfig({
        DATABASE_URL: inject('databaseUrl'),
        PARLEY_DB_POOL_SIZE: '2',
        PARLEY_DB_PREPARED_STATEMENTS: prepared,
      }).storage,
      createLogger('silent'),
      { schema },
    );
  const probes = 'select name from pg_prepared_statements where name like $1';

  it('prepares a statement once per connection and reuses it, and prepares nothing when off', async () => {
    for (const mode of ['on', 'off'] as const) {
      const db = await open(mode);
      try {
        const sums: number[] = [];
        for (let index = 0; index < 10; index++) {
          const rows = await db.query<{ v: number }>('select $1::int * 2 as v', [index], {
            prepare: `probe_${mode}`,
          });
          sums.push(rows[0]!.v);
        }
        expect(sums).toEqual(Array.from({ length: 10 }, (_, index) => index * 2));
        const names = await db.query<{ name: string }>(probes, [`probe_${mode}%`]);
        expect(names.length).toBe(mode === 'on' ? 1 : 0);
        // A scoped (row-level security) runner prepares on its transaction's connection too.
        await db.forTenant('tenant-a').query('select $1::int as v', [1], { prepare: `probe_${mode}_scoped` });
        const scoped = await db.query<{ name: string }>(probes, [`probe_${mode}_scoped%`]);
        expect(scoped.length).toBe(mode === 'on' && db.rowSecurity ? 1 : 0);
      } finally {
        await db.close();
      }
    }
  });

  it('prepares batch writes of one or two rows only', () => {
    expect(preparedBatch('save_turns', 1)).toEqual({ prepare: 'save_turns' });
    expect(preparedBatch('save_turns', 2)).toEqual({ prepare: 'save_turns' });
    expect(preparedBatch('save_turns', 3)).toBeUndefined();
  });
});
