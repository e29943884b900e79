// A fresh Parley database for one benchmark case, on either backend: the embedded PGlite in a
// temporary data directory, or a database of its own on the PostgreSQL server (created here,
// dropped afterwards). Opened through Parley's own openDatabase, so migrations, search extensions
// and their indexes are exactly what a server gets. Also reads what the case costs: disk size and
// the resident memory of the process that holds the database.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Config, loadConfig } from '../../src/config/index.js';
import { type Database, openDatabase } from '../../src/storage/index.js';
import { createLogger, type Logger } from '../../src/telemetry/index.js';

export type Backend = 'embedded' | 'postgres';

export interface BenchStore {
  backend: Backend;
  config: Config;
  log: Logger;
  db: Database;
  /** Closes and opens the database again as a starting server would (builds missing search indexes). */
  reopen(): Promise<Database>;
  /** Bytes the database takes on disk. */
  diskBytes(): Promise<number>;
  /** Resident memory of the process(es) holding the database, in bytes, and what was counted. */
  residentBytes(): Promise<{ bytes: number; what: string }>;
  /** Closes the database and removes its data. */
  destroy(): Promise<void>;
}

export async function createBenchStore(
  backend: Backend,
  options: { adminUrl: string; label: string; keep: boolean },
): Promise<BenchStore> {
  const root = await mkdtemp(path.join(tmpdir(), 'parley-bench-'));
  const dataDir = path.join(root, 'data');
  const database = `parley_bench_${options.label}`.replace(/[^a-z0-9_]/g, '_');
  let databaseUrl: string | undefined;
  if (backend === 'postgres') {
    await admin(options.adminUrl, [`drop database if exists ${database}`, `create database ${database}`]);
    const url = new URL(options.adminUrl);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
  }
  const config = loadConfig({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_LOG_LEVEL: process.env.PARLEY_LOG_LEVEL ?? 'warn',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const log = createLogger(config.server.logLevel, 2);
  let db = await openDatabase(config.storage, log);
  // false between closing for a reopen and the reopen succeeding: nothing left to close then
  let open = true;
  const store: BenchStore = {
    backend,
    config,
    log,
    db,
    async reopen() {
      await db.close();
      open = false;
      db = await openDatabase(config.storage, log);
      open = true;
      store.db = db;
      return db;
    },
    async diskBytes() {
      if (backend === 'embedded') return directoryBytes(dataDir);
      const rows = await db.query<{ bytes: number }>('select pg_database_size(current_database()) as bytes');
      return rows[0]?.bytes ?? 0;
    },
    async residentBytes() {
      if (backend === 'embedded') {
        // PGlite runs in a worker thread of this process: the process's RSS holds the database.
        return { bytes: process.memoryUsage().rss, what: 'bench process (PGlite worker inside)' };
      }
      // Each pooled connection is a server backend; shared buffers show up in every one of them,
      // so the largest backend is reported, not the sum.
      const rows = await db.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = current_database()',
      );
      let largest = 0;
      for (const { pid } of rows) largest = Math.max(largest, await processRss(pid));
      return { bytes: largest, what: `largest of ${rows.length} server backends` };
    },
    async destroy() {
      if (open) await db.close();
      if (options.keep) {
        process.stderr.write(`kept ${backend === 'postgres' ? `database ${database}` : dataDir}\n`);
        return;
      }
      if (backend === 'postgres') await admin(options.adminUrl, [`drop database if exists ${database}`]);
      await rm(root, { recursive: true, force: true });
    },
  };
  return store;
}

async function admin(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(full);
    else if (entry.isFile()) total += (await stat(full)).size;
  }
  return total;
}

async function processRss(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0; // not on this machine (a remote server), or gone
  }
}
