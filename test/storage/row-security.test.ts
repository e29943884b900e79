// Row-level security, the second wall between tenants: queries made for one tenant see, change
// and create that tenant's rows only, even when they carry no tenant filter of their own, in
// every table that holds tenant data; the server's secrets are out of their reach.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { promptVersionId } from '../../src/orchestrator/index.js';
import { WALLED_TABLES } from '../../src/storage/database.js';
import { type Database, openDatabase } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { BACKENDS, startTestServer, type TestServer } from '../support/test-backend.js';

/** Every table holding tenant data, and the column naming the tenant. */
const TENANT_TABLES: Record<string, string> = {
  tenants: 'id',
  api_keys: 'tenant_id',
  knowledge_bases: 'tenant_id',
  documents: 'tenant_id',
  chunks: 'tenant_id',
  jobs: 'tenant_id',
  conversations: 'tenant_id',
  messages: 'tenant_id',
  turn_traces: 'tenant_id',
  bots: 'tenant_id',
  visitor_conversations: 'tenant_id',
  usage: 'tenant_id',
  budgets: 'tenant_id',
  search_generations: 'tenant_id',
  curated_answers: 'tenant_id',
  key_generations: 'tenant_id',
  bot_generations: 'tenant_id',
  audit_log: 'tenant_id',
  tools: 'tenant_id',
  tool_secrets: 'tenant_id',
  tool_approvals: 'tenant_id',
  prompt_version_owners: 'tenant_id',
  feedback: 'tenant_id',
  retention_periods: 'tenant_id',
  usage_daily: 'tenant_id',
  memories: 'tenant_id',
  user_erasures: 'tenant_id',
};

/** Rows every tenant sees besides its own: the server's prompt (registered at start-up). */
const SHARED: Record<string, string[]> = { prompt_version_owners: [''] };

/** One row in every tenant table for a new tenant, written as the owner (as ingestion and turns do). */
async function seedTenant(db: Database, tenant: string): Promise<void> {
  const id = (what: string) => `${what}-${tenant}`;
  await db.transaction(async (client) => {
    const run = (sql: string, params: unknown[]) => client.query(sql, params);
    await run('insert into tenants(id, name) values ($1, $1)', [tenant]);
    await run(`insert into api_keys(id, tenant_id, hash, salt) values ($1, $2, 'h', 's')`, [
      id('key'),
      tenant,
    ]);
    await run(`insert into knowledge_bases(id, tenant_id, name) values ($1, $2, 'default')`, [
      id('kb'),
      tenant,
    ]);
    await run(
      `insert into documents(id, tenant_id, kb_id, source_key, title) values ($1, $2, $3, 'doc', 'Doc')`,
      [id('doc'), tenant, id('kb')],
    );
    await run(
      `insert into chunks(tenant_id, kb_id, document_id, ordinal, text, search_text, token_count)
       values ($1, $2, $3, 0, 'secret plans', 'secret plans', 2)`,
      [tenant, id('kb'), id('doc')],
    );
    await run(`insert into jobs(id, tenant_id, kind) values ($1, $2, 'ingest')`, [id('job'), tenant]);
    await run('insert into conversations(id, tenant_id) values ($1, $2)', [id('conv'), tenant]);
    await run(
      `insert into messages(id, tenant_id, conversation_id, turn_id, role, content)
       values ($1, $2, $3, $4, 'user', 'hello')`,
      [id('msg'), tenant, id('conv'), id('turn')],
    );
    await run(`insert into turn_traces(turn_id, tenant_id, trace) values ($1, $2, '{}')`, [
      id('turn'),
      tenant,
    ]);
    await run(`insert into bots(tenant_id, id, name) values ($1, 'helper', 'Helper')`, [tenant]);
    await run(
      `insert into visitor_conversations(conversation_id, tenant_id, key_id, visitor_id) values ($1, $2, $3, 'v')`,
      [id('conv'), tenant, id('key')],
    );
    await run(`insert into usage(tenant_id, bot_id, turn_id, model) values ($1, 'parley', $2, 'm')`, [
      tenant,
      id('turn'),
    ]);
    await run('insert into budgets(tenant_id, tenant_daily_usd) values ($1, 1)', [tenant]);
    await run(
      `insert into curated_answers(id, tenant_id, bot_id, question, question_key, answer)
       values ($1, $2, 'parley', 'Door code?', 'door code', '1234')`,
      [id('curated'), tenant],
    );
    await run('insert into key_generations(tenant_id) values ($1)', [tenant]);
    await run('insert into bot_generations(tenant_id) values ($1) on conflict do nothing', [tenant]);
    await run(`insert into audit_log(tenant_id, action, via) values ($1, 'key.created', 'cli')`, [tenant]);
    await run(`insert into tools(tenant_id, name, definition) values ($1, 'lookup', '{}')`, [tenant]);
    await run(`insert into tool_secrets(tenant_id, name, sealed) values ($1, 'token', 'sealed')`, [tenant]);
    await run(
      `insert into tool_approvals(id, tenant_id, bot_id, conversation_id, turn_id, tool, call_id, arguments, approver, resume)
       values ($1, $2, 'parley', $3, $4, 'book', 'call_1', '{}', 'user', '{}')`,
      [id('approval'), tenant, id('conversation'), id('turn')],
    );
    await run(`insert into prompt_versions(id, system_prompt) values ($1, 'You are ' || $2)`, [
      id('pv'),
      tenant,
    ]);
    await run('insert into prompt_version_owners(tenant_id, version_id) values ($1, $2)', [tenant, id('pv')]);
    await run(
      `insert into feedback(tenant_id, turn_id, conversation_id, bot_id, rating, turn_at)
       values ($1, $2, $3, 'parley', 'down', now())`,
      [tenant, id('turn'), id('conv')],
    );
    await run('insert into retention_periods(tenant_id, conversation_days) values ($1, 30)', [tenant]);
    await run(
      `insert into usage_daily(tenant_id, day, bot_id, model, turns) values ($1, '2026-01-01', 'parley', 'm', 1)`,
      [tenant],
    );
    await run(
      `insert into memories(id, tenant_id, user_id, topic, kind, text, bot_id, turn_id)
       values ($1, $2, 'alice', 'answer_language', 'preference', 'Prefers answers in French', 'parley', $3)`,
      [id('memory'), tenant, id('turn')],
    );
    await run(`insert into user_erasures(tenant_id, user_id) values ($1, 'erin')`, [tenant]);
  });
}

describe.each(BACKENDS)('row-level security on %s', (kind) => {
  let server: TestServer;
  let db: Database;
  const suffix = randomBytes(4).toString('hex');
  const mine = `rls-a-${suffix}`;
  const theirs = `rls-b-${suffix}`;

  beforeAll(async () => {
    server = await startTestServer(kind);
    db = server.runtime.db;
    await seedTenant(db, mine);
    await seedTenant(db, theirs);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('is on by default where the database allows it (here it does)', () => {
    expect(db.rowSecurity).toBe(true);
  });

  it('covers every table with a tenant column, and the list above names them all', async () => {
    const tables = await db.query<{ table: string; walled: boolean; policies: number }>(
      `select c.relname as table, c.relrowsecurity as walled,
              (select count(*) from pg_policies p
                where p.schemaname = current_schema() and p.tablename = c.relname)::int as policies
         from pg_class c
        where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r'
          and (exists (select 1 from information_schema.columns k
                        where k.table_schema = current_schema() and k.table_name = c.relname
                          and k.column_name = 'tenant_id')
               or c.relname = 'tenants')
        order by 1`,
    );
    expect(tables.map((t) => t.table)).toEqual(Object.keys(TENANT_TABLES).sort());
    // The start-up check proves the wall on each of them.
    expect(WALLED_TABLES).toEqual(expect.arrayContaining(Object.keys(TENANT_TABLES)));
    for (const table of tables) expect(table, table.table).toMatchObject({ walled: true, policies: 1 });
  });

  it('shows a tenant only its own rows, with no filter in the query', async () => {
    const scoped = db.forTenant(mine);
    for (const [table, column] of Object.entries(TENANT_TABLES)) {
      const all = await db.query<{ t: string }>(
        `select ${column} as t from ${table} where ${column} in ($1, $2)`,
        [mine, theirs],
      );
      expect(new Set(all.map((row) => row.t)), `${table} as owner`).toEqual(new Set([mine, theirs]));
      const seen = await scoped.query<{ t: string }>(`select ${column} as t from ${table}`);
      expect(seen.length, table).toBeGreaterThan(0);
      expect(new Set(seen.map((row) => row.t)), table).toEqual(new Set([mine, ...(SHARED[table] ?? [])]));
    }
    // Stored prompts (no tenant column) follow their owners: a tenant's and the server's only.
    const prompts = await scoped.query<{ id: string }>('select id from prompt_versions');
    const ids = prompts.map((row) => row.id);
    expect(ids).toContain(`pv-${mine}`);
    expect(ids).toContain(promptVersionId(server.runtime.bots.defaults.system_prompt));
    expect(ids).not.toContain(`pv-${theirs}`);
  });

  it('lets a tenant neither change, delete nor create another tenant’s rows', async () => {
    const scoped = db.forTenant(mine);
    const changed = await scoped.query(`update documents set title = 'mine now' returning tenant_id`);
    expect(changed.map((row) => row.tenant_id)).toEqual([mine]);
    expect(await scoped.query('delete from bots where tenant_id = $1 returning id', [theirs])).toEqual([]);
    expect(await scoped.query('delete from turn_traces returning tenant_id')).toEqual([{ tenant_id: mine }]);
    await expect(
      scoped.query(`insert into conversations(id, tenant_id) values ($1, $2)`, [`planted-${suffix}`, theirs]),
    ).rejects.toThrow(/row-level security/);
    await expect(scoped.query(`update messages set tenant_id = $1`, [theirs])).rejects.toThrow(
      /row-level security/,
    );

    const [doc] = await db.query<{ title: string }>('select title from documents where tenant_id = $1', [
      theirs,
    ]);
    expect(doc?.title).toBe('Doc');
    expect(await db.query('select 1 from bots where tenant_id = $1', [theirs])).toHaveLength(1);
    expect(await db.query('select 1 from turn_traces where tenant_id = $1', [theirs])).toHaveLength(1);
  });

  it('keeps the server’s secrets and schema bookkeeping out of a tenant’s reach', async () => {
    const scoped = db.forTenant(mine);
    await expect(scoped.query('select * from server_secrets')).rejects.toThrow(/permission denied/);
    await expect(scoped.query('select * from schema_migrations')).rejects.toThrow(/permission denied/);
  });

  it('runs a tenant’s transaction under the wall, and leaves nothing behind on the connection', async () => {
    const count = await db.forTenant(mine).transaction(async (client) => {
      await client.query(`insert into conversations(id, tenant_id) values ($1, $2)`, [`txn-${suffix}`, mine]);
      const { rows } = await client.query<{ n: number }>('select count(*)::int as n from conversations');
      return rows[0]?.n;
    });
    expect(count).toBe(2);
    // The role and the tenant were transaction-local: plain queries are the owner's again,
    // on every pooled connection (the embedded database shares one session among them all).
    const owners = await Promise.all(
      Array.from({ length: 8 }, () =>
        db.query<{ user: string; tenant: string | null }>(
          `select current_user as user, nullif(current_setting('parley.tenant_id', true), '') as tenant`,
        ),
      ),
    );
    for (const [row] of owners)
      expect(row).toEqual({ user: expect.not.stringMatching('parley_tenant'), tenant: null });
  });

  it('is off with PARLEY_ROW_SECURITY=off: a query without its own filter then sees every tenant', async () => {
    const schema = kind === 'postgres' ? await db.query<{ s: string }>('select current_schema() as s') : [];
    const config = loadConfig({
      PARLEY_DATA_DIR: server.dataDir,
      PARLEY_ROW_SECURITY: 'off',
      ...(server.config.storage.databaseUrl ? { DATABASE_URL: server.config.storage.databaseUrl } : {}),
    });
    const plain = await openDatabase(config.storage, createLogger('silent'), {
      migrate: false,
      schema: schema[0]?.s,
    });
    try {
      expect(plain.rowSecurity).toBe(false);
      const seen = await plain
        .forTenant(mine)
        .query<{ tenant_id: string }>('select tenant_id from documents where tenant_id in ($1, $2)', [
          mine,
          theirs,
        ]);
      expect(new Set(seen.map((row) => row.tenant_id))).toEqual(new Set([mine, theirs]));
    } finally {
      await plain.close();
    }
  });
});
