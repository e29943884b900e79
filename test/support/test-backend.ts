// Starts a Parley runtime and HTTP app for a test on either backend: the embedded PGlite (a copy
// of the prepared template) or the PostgreSQL server (a schema of its own, dropped afterwards).
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { createApp, createRuntime, ensureTenant, type ParleyApp, type Runtime } from '../../src/app/index.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import { ensureKnowledgeBase } from '../../src/knowledge/index.js';
import { createLogger, type Logger } from '../../src/telemetry/index.js';

export type BackendKind = 'pglite' | 'postgres';
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
  options: { log?: Logger } = {},
): Promise<TestServer> {
  const dataDir = await prepareDataDir();
  const schema = kind === 'postgres' ? `t_${randomBytes(6).toString('hex')}` : undefined;
  const config = loadConfig({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_LOG_LEVEL: 'silent',
    ...(kind === 'postgres' ? { DATABASE_URL: inject('databaseUrl') } : {}),
    ...env,
  });
  const log = options.log ?? createLogger(config.PARLEY_LOG_LEVEL);
  const runtime = await createRuntime(config, log, { runJobs: true, schema });
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

/** Settings that point the server's OpenAI and Anthropic clients at the stub provider. */
export function stubModels(stubUrl: string, models: string): Record<string, string> {
  return {
    PARLEY_MODELS: models,
    OPENAI_BASE_URL: stubUrl,
    OPENAI_API_KEY: 'test',
    ANTHROPIC_BASE_URL: stubUrl,
    ANTHROPIC_API_KEY: 'test',
  };
}

/** The one-passage document most model tests ask about. */
export const TIDES = {
  title: 'Tides',
  text: '# Tides\n\nTides are caused mainly by the gravitational pull of the Moon on the oceans.',
};

/** Stores a document for a tenant (created when missing) through the ingestion pipeline. */
export async function ingestText(
  server: TestServer,
  document: { title: string; text: string; format?: 'markdown' | 'text' },
  tenant = 'default',
): Promise<{ tenantId: string; kbId: string; documentId: string }> {
  const tenantId = await ensureTenant(server.runtime.db, tenant);
  const kbId = await ensureKnowledgeBase(server.runtime.db, tenantId);
  const outcome = await server.runtime.ingestion.ingestNow({
    tenantId,
    kbId,
    bytes: Buffer.from(document.text),
    format: document.format ?? 'markdown',
    title: document.title,
  });
  return { tenantId, kbId, documentId: outcome.documentId };
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
  const blocker = new pg.Client({ connectionString: server.config.DATABASE_URL });
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
