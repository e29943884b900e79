// The hot writes as named prepared statements (PARLEY_DB_PREPARED_STATEMENTS): on PostgreSQL a
// statement is prepared once per connection and reused; with the setting off nothing is prepared
// (for a pooler that cannot keep them). The embedded database's shared session is tested in
// src/storage/embedded/session-queue.test.ts.
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { insertUsage } from '../../src/accounting/usage-store.js';
import { loadConfig } from '../../src/config/index.js';
import { saveTurns, type TurnRecord } from '../../src/orchestrator/conversation-store.js';
import { openDatabase, type QueryRunner } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { prepareDataDir, useScratchSchema } from '../support/test-backend.js';

describe('prepared statements on PostgreSQL', () => {
  const schema = useScratchSchema();

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
});

// A prepared statement keeps the generic plan PostgreSQL made for it, and the embedded database
// never analyzes its tables, so nothing replans it as they grow: a plan made on the empty tables of
// a new install must still read a turn's conversation by its key once there are thousands.
describe('the turn writes, prepared on empty tables (embedded database)', () => {
  const tenantId = 'plan-probe';
  const turn = (): TurnRecord => {
    const at = new Date();
    return {
      tenantId,
      botId: 'parley',
      conversationId: randomUUID(),
      turnId: randomUUID(),
      user: { id: randomUUID(), content: 'q', at },
      assistant: { id: randomUUID(), content: 'a', citations: [], usage: {}, at },
      trace: {},
      state: 'active',
    };
  };
  /** The statement and parameters a write sends, without sending them. */
  const captured = async (write: (runner: QueryRunner) => Promise<void>) => {
    let sql = '';
    let params: unknown[] = [];
    const spy = {
      query: async (text: string, values?: unknown[]) => {
        sql = text;
        params = values ?? [];
        return [];
      },
      transaction: () => Promise.reject(new Error('not used')),
    } as QueryRunner;
    await write(spy);
    return { sql: sql.replaceAll('$1::jsonb', '$1'), param: String(params[0]).replaceAll("'", "''") };
  };

  it('reads conversations by primary key, not by the tenant index or a scan, with the plan it made when they were empty', async () => {
    const db = await openDatabase(
      loadConfig({ PARLEY_DATA_DIR: await prepareDataDir() }).storage,
      createLogger('silent'),
    );
    try {
      await db.query(`insert into tenants(id, name) values ($1, $1)`, [tenantId]);
      const one = turn();
      const writes = {
        save_probe: await captured((runner) => saveTurns(runner, [one])),
        usage_probe: await captured((runner) =>
          insertUsage(runner, [
            {
              tenantId,
              keyId: null,
              botId: 'parley',
              conversationId: one.conversationId,
              turnId: one.turnId,
              model: 'none',
              inputTokens: 0,
              cachedInputTokens: 0,
              outputTokens: 0,
              costUsd: 0,
              priced: true,
              savedUsd: 0,
            },
          ]),
        ),
      };
      // The embedded database's one session: the plans are made now, on the empty tables.
      await db.query('set plan_cache_mode = force_generic_plan');
      const plan = async (name: string, param: string) =>
        (await db.query<{ 'QUERY PLAN': string }>(`explain execute ${name}('${param}')`))
          .map((row) => row['QUERY PLAN'])
          .join('\n');
      for (const [name, { sql, param }] of Object.entries(writes)) {
        await db.query(`prepare ${name}(jsonb) as ${sql}`);
        await plan(name, param);
      }
      for (let written = 0; written < 3_000; written += 100) {
        await saveTurns(db, Array.from({ length: 100 }, turn));
      }
      for (const [name, { param }] of Object.entries(writes)) {
        const kept = await plan(name, param);
        expect(kept).toMatch(/Index Scan using conversations_pkey on conversations/);
        expect(kept).not.toMatch(/conversations_tenant|Seq Scan on conversations/);
      }
    } finally {
      await db.query('reset plan_cache_mode').catch(() => {});
      await db.close();
    }
  });
});

describe('a checked-out connection whose database goes away', () => {
  it('fails its query and is dropped, with no uncaught error, when the embedded database thread stops mid-query', async () => {
    const db = await openDatabase(
      loadConfig({ PARLEY_DATA_DIR: await prepareDataDir() }).storage,
      createLogger('silent'),
    );
    try {
      // Prepared queries and transactions hold a connection the pool does not listen on meanwhile.
      const outcome = (query: Promise<unknown>) =>
        query.then(
          () => 'answered',
          (error: Error) => error.message,
        );
      const prepared = outcome(db.query('select pg_sleep(2)', [], { prepare: 'sleepy' }));
      const transaction = outcome(db.transaction((client) => client.query('select pg_sleep(2)')));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await db.stopEmbeddedThread!();
      expect(await prepared).toMatch(/terminated/);
      expect(await transaction).toMatch(/terminated/);
      // Nothing else: vitest fails the run on an uncaught error, such as a connection's 'error'
      // event with nobody listening.
    } finally {
      await db.close();
    }
  });
});
