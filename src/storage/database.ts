// The database handle every layer uses: one `pg` pool, whether the data lives in the embedded
// PGlite (over its unix socket) or on a PostgreSQL server (DATABASE_URL). Opened once at
// start-up, closed on shutdown.
import pg from 'pg';
import type { StorageConfig } from '../config/index.js';
import type { Logger } from '../telemetry/logger.js';
import { type EmbeddedMemory, startEmbeddedDatabase } from './embedded/embedded-database.js';
import { migrate, withMigrationLock } from './migrate.js';
import { poolQueries, type QueryRunner, tenantQueries } from './pool-queries.js';
import { detectSearchFeatures, ensureSearchFeatures, type SearchFeatures } from './search-indexes.js';

export interface Database extends QueryRunner {
  kind: 'embedded' | 'postgres';
  pool: pg.Pool;
  /** How to open another pool on the same database (from a worker thread); plain data. */
  connection: pg.PoolConfig;
  features: SearchFeatures;
  /**
   * Whether this process manages the schema and search indexes (it owns the embedded database,
   * or talks to a server). A command attached to a running server's embedded database does not:
   * it must not rebuild indexes or requeue jobs under the server's feet.
   */
  manages: boolean;
  /** Migration versions applied when this handle was opened. */
  appliedMigrations: number[];
  /** Whether `forTenant` is walled by row-level security (the storage config's `rowSecurity`). */
  rowSecurity: boolean;
  /**
   * Queries for work done on behalf of one tenant (a request's reads and writes). With row
   * security on, the database itself limits them to that tenant's rows; the queries keep their
   * own tenant filters (the first wall). Without it, the plain pool.
   */
  forTenant(tenantId: string): QueryRunner;
  /** The embedded database thread's memory, when this process runs it. */
  embeddedMemory?(): Promise<EmbeddedMemory | undefined>;
  /** Times the embedded database thread stopped on its own and was started again. */
  embeddedRestarts?(): number;
  /** Stops the embedded database thread as a crash would (tests and drills). */
  stopEmbeddedThread?(): Promise<void>;
  /** true when a trivial query answers within the timeout. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Apply pending migrations (default true); false only for a database known to be current. */
  migrate?: boolean;
  /** Use this PostgreSQL schema (tests isolate themselves this way). */
  schema?: string;
  /** Connections the embedded database accepts when this process runs it (default: 4 pools' worth). */
  embeddedConnections?: number;
}

export async function openDatabase(
  config: StorageConfig,
  log: Logger,
  options: OpenOptions = {},
): Promise<Database> {
  const poolSize = config.poolSize;
  let closeEmbedded = async () => {};
  let embeddedMemory: Database['embeddedMemory'];
  let embeddedRestarts: Database['embeddedRestarts'];
  let stopEmbeddedThread: Database['stopEmbeddedThread'];
  let poolConfig: pg.PoolConfig;
  let kind: Database['kind'];
  let manages = true;
  if (config.databaseUrl) {
    kind = 'postgres';
    poolConfig = { connectionString: config.databaseUrl };
  } else {
    kind = 'embedded';
    const embedded = await startEmbeddedDatabase(config.dataDir, {
      maxConnections: options.embeddedConnections ?? poolSize * 4 + 8,
      onFailure: (error) =>
        log.error({ err: error }, 'the embedded database stopped; starting it again on the same data'),
      onRestart: (restarts) => log.warn({ restarts }, 'the embedded database is serving again'),
      onWarning: (message) => log.warn(message),
    });
    closeEmbedded = () => embedded.close();
    embeddedMemory = embedded.memory;
    embeddedRestarts = embedded.restarts;
    stopEmbeddedThread = embedded.stopThread;
    manages = embedded.owner;
    poolConfig = { host: embedded.socketDir, database: 'postgres', user: 'postgres' };
    log.info({ dataDir: config.dataDir, owner: embedded.owner }, 'embedded database ready');
  }
  const connection: pg.PoolConfig = {
    ...poolConfig,
    connectionTimeoutMillis: 10_000,
    query_timeout: 60_000,
    idleTimeoutMillis: 30_000,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  };
  const pool = new pg.Pool({ ...connection, max: poolSize });
  pool.on('error', (error) => log.warn({ err: error }, 'idle database connection failed'));

  try {
    if (options.schema) await pool.query(`create schema if not exists ${options.schema}`);
    const appliedMigrations = options.migrate === false || !manages ? [] : await migrate(pool);
    if (appliedMigrations.length) log.info({ applied: appliedMigrations }, 'migrations applied');
    const features = manages
      ? await withMigrationLock(pool, (client) => ensureSearchFeatures(client, config.bm25))
      : await detectSearchFeatures(pool);
    for (const note of features.notes) log.warn(note);
    const rowSecurity = await resolveRowSecurity(pool, config.rowSecurity, log);
    const owner = poolQueries(pool, config.preparedStatements);

    return {
      kind,
      manages,
      pool,
      connection,
      features,
      appliedMigrations,
      rowSecurity,
      ...owner,
      forTenant: (tenantId) =>
        rowSecurity ? tenantQueries(pool, tenantId, config.preparedStatements) : owner,
      ...(embeddedMemory ? { embeddedMemory } : {}),
      ...(embeddedRestarts ? { embeddedRestarts } : {}),
      ...(stopEmbeddedThread ? { stopEmbeddedThread } : {}),
      async ping(timeoutMs = 2000) {
        const timeout = new Promise<boolean>((resolve) =>
          setTimeout(() => resolve(false), timeoutMs).unref(),
        );
        const probe = pool.query('select 1').then(
          () => true,
          () => false,
        );
        return Promise.race([probe, timeout]);
      },
      async close() {
        await pool.end();
        await closeEmbedded();
      },
    };
  } catch (error) {
    await pool.end().catch(() => {});
    await closeEmbedded();
    throw error;
  }
}

/** The tables migrations 9, 10, 13, 16, 17, 18, 19, 22, 23, 24 and 26 wall: every table holding tenant data, and stored prompts. */
export const WALLED_TABLES = [
  'tenants',
  'api_keys',
  'knowledge_bases',
  'documents',
  'chunks',
  'jobs',
  'conversations',
  'messages',
  'turn_traces',
  'bots',
  'visitor_conversations',
  'usage',
  'budgets',
  'search_generations',
  'curated_answers',
  'tools',
  'tool_secrets',
  'tool_approvals',
  'key_generations',
  'bot_generations',
  'audit_log',
  'prompt_version_owners',
  'prompt_versions',
  'feedback',
  'retention_periods',
  'usage_daily',
  'memories',
  'user_erasures',
];

/** Whether tenant-scoped queries can run under row-level security, per the configured mode. */
async function resolveRowSecurity(
  pool: pg.Pool,
  mode: StorageConfig['rowSecurity'],
  log: Logger,
): Promise<boolean> {
  if (mode === 'off') return false;
  // Taking the role and reading the walled tables as a tenant that does not exist proves the
  // lot: the role exists, this login may take it, it may read them, and row security is active
  // for it on every one (not so for a superuser or a BYPASSRLS role of that name).
  const reason = await tenantQueries(pool, '')
    .query<{ inactive: string[]; visible: number }>(
      `select array(select t from unnest($1::text[]) t where not row_security_active(t::regclass)) as inactive,
              (select count(*) from documents) as visible`,
      [WALLED_TABLES],
    )
    .then(
      ([row]) =>
        row && row.inactive.length === 0 && row.visible === 0
          ? undefined
          : `row-level security is not active for parley_tenant on ${row?.inactive.join(', ') || 'documents'}`,
      (error: Error) => error.message,
    );
  if (reason === undefined) {
    log.info('row-level security on: tenant-scoped queries are walled by the database');
    return true;
  }
  if (mode === 'on') {
    throw new Error(
      `row-level security is required (on), but tenant-scoped queries cannot run under row-level security: ${reason}. ` +
        'The login user needs CREATEROLE when migration 9 runs, or an administrator grants it the role parley_tenant (and parley_tenant the privileges migration 9 lists).',
    );
  }
  log.warn(
    { reason },
    'row-level security unavailable: tenants are kept apart by query filters alone (row security: auto)',
  );
  return false;
}
