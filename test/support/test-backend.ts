// Starts a Parley runtime and HTTP app for a test on either backend: the embedded PGlite (a copy
// of the prepared template) or the PostgreSQL server (a schema of its own, dropped afterwards).
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import {
  createApiKey,
  createApp,
  createRuntime,
  type ParleyApp,
  type Runtime,
  type RuntimeOptions,
} from '../../src/app/index.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import { createLogger, type Logger } from '../../src/telemetry/index.js';

export type BackendKind = 'pglite' | 'postgres';

/** The operator's metrics token of every test server (PARLEY_METRICS_TOKEN; '' in env: none). */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789abcdef';
/** The header that opens /metrics and /readyz's details on a test server. */
export const OPERATOR_HEADERS = { authorization: `Bearer ${TEST_METRICS_TOKEN}` };
export const BACKENDS: BackendKind[] = ['pglite', 'postgres'];

export interface TestServer {
  kind: BackendKind;
  runtime: Runtime;
  parley: ParleyApp;
  config: Config;
  dataDir: string;
  /** Stops everything and removes the test's data. */
  close(): Promise<void>;
}

export async function prepareDataDir(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'parley-test-'));
  const dataDir = path.join(root, 'data');
  await cp(inject('pgliteTemplate'), dataDir, { recursive: true });
  return dataDir;
}

/** `log`: the server's logger (default: one at PARLEY_LOG_LEVEL, silent, on stdout). */
export async function startTestServer(
  kind: BackendKind,
  env: Record<string, string> = {},
  options: { log?: Logger; runtime?: Pick<RuntimeOptions, 'semanticStage'> } = {},
): Promise<TestServer> {
  const dataDir = await prepareDataDir();
  const schema = kind === 'postgres' ? `t_${randomBytes(6).toString('hex')}` : undefined;
  const config = loadConfig({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_LOG_LEVEL: 'silent',
    // Tests ask one question of stubs that behave differently each time (fallbacks, failures,
    // limits): each asking is answered afresh unless a test turns the answer cache on.
    PARLEY_ANSWER_CACHE_SECONDS: '0',
    // /metrics is the operator's alone (a tenant's key never opens it): tests scrape with this.
    PARLEY_METRICS_TOKEN: TEST_METRICS_TOKEN,
    ...(kind === 'postgres' ? { DATABASE_URL: inject('databaseUrl') } : {}),
    ...env,
  });
  const log = options.log ?? createLogger(config.server.logLevel);
  const runtime = await createRuntime(config, log, { ...options.runtime, runJobs: true, schema });
  // As a load balancer would: traffic once /readyz says ready (the keyword index loaded).
  await runtime.keywordIndex.whenReady();
  const parley = await createApp(runtime);
  return {
    kind,
    runtime,
    parley,
    config,
    dataDir,
    async close() {
      await parley.close();
      await runtime.close();
      if (schema) {
        const client = new pg.Client({ connectionString: inject('databaseUrl') });
        await client.connect();
        await client.query(`drop schema ${schema} cascade`);
        await client.end();
      }
      await rm(path.dirname(dataDir), { recursive: true, force: true });
    },
  };
}

/**
 * A server started before the enclosing describe block's tests and closed after them. Read its
 * fields inside tests and hooks (they are filled in when the block starts).
 */
export function useTestServer(kind: BackendKind, env: Record<string, string> = {}): TestServer {
  const server = {} as TestServer;
  let started: TestServer | undefined;
  beforeAll(async () => {
    started = await startTestServer(kind, env);
    Object.defineProperties(server, Object.getOwnPropertyDescriptors(started));
  });
  afterAll(async () => {
    await started?.close();
  });
  return server;
}

/** The test database with every connection's search_path set to `schema` (for `parley` processes). */
export function urlWithSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

/**
 * A PostgreSQL schema of the suite's own on the test server, created before its tests and dropped
 * after them (with everything in it); pass it to openDatabase's `schema` option.
 */
export function useScratchSchema(): string {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  beforeAll(() => admin(`create schema ${schema}`));
  afterAll(() => admin(`drop schema if exists ${schema} cascade`));
  return schema;
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A new tenant with a secret key on two instances that each have a schema of their own, as if they
 * shared one database (replicas do in production): the key is made on `a` and copied to `b`.
 */
export async function createKeyOnBoth(
  a: TestServer,
  b: TestServer,
  tenant: string,
): Promise<Awaited<ReturnType<typeof createApiKey>>> {
  const created = await createApiKey(a.runtime.db, tenant);
  const [row] = await a.runtime.db.query<{ id: string; tenant_id: string; hash: string; salt: string }>(
    'select id, tenant_id, hash, salt from api_keys where id = $1',
    [created.keyId],
  );
  await b.runtime.db.query('insert into tenants(id, name) values ($1, $2)', [created.tenantId, tenant]);
  await b.runtime.db.query('insert into api_keys(id, tenant_id, hash, salt) values ($1, $2, $3, $4)', [
    row!.id,
    row!.tenant_id,
    row!.hash,
    row!.salt,
  ]);
  return created;
}

/**
 * Has another PostgreSQL session lock one of the server's tables (in its schema) until the
 * returned function is called (idempotent): the server's queries on it wait meanwhile.
 */
export async function lockTable(
  server: TestServer,
  table: string,
  mode: 'exclusive' | 'access exclusive',
): Promise<() => Promise<void>> {
  const [{ schema }] = (await server.runtime.db.query<{ schema: string }>(
    'select current_schema() as schema',
  )) as [{ schema: string }];
  const blocker = new pg.Client({ connectionString: server.config.storage.databaseUrl });
  await blocker.connect();
  await blocker.query('begin');
  await blocker.query(`lock table ${schema}.${table} in ${mode} mode`);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await blocker.query('rollback');
    await blocker.end();
  };
}
