// Prepares once per test run what every test file reuses: a migrated PGlite data directory to
// copy (creating one costs seconds), and a check that the PostgreSQL server is reachable, so
// that tests needing it fail loudly instead of skipping.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';

export const TEST_DATABASE_URL =
  process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const TEST_REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export default async function setup({ provide }: { provide: (key: string, value: string) => void }) {
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 5000,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `tests need Redis at ${TEST_REDIS_URL} (set PARLEY_TEST_REDIS_URL): ${(error as Error).message}`,
    );
  } finally {
    redis.disconnect();
  }
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `tests need PostgreSQL at ${TEST_DATABASE_URL} (set PARLEY_TEST_DATABASE_URL): ${(error as Error).message}`,
    );
  } finally {
    await client.end().catch(() => {});
  }

  const root = await mkdtemp(path.join(tmpdir(), 'parley-test-template-'));
  const dataDir = path.join(root, 'data');
  const db = await openDatabase(loadConfig({ PARLEY_DATA_DIR: dataDir }).storage, createLogger('silent'));
  await db.close();
  provide('pgliteTemplate', dataDir);
  provide('databaseUrl', TEST_DATABASE_URL);
  provide('redisUrl', TEST_REDIS_URL);
  return async () => {
    await rm(root, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    databaseUrl: string;
    redisUrl: string;
  }
}
