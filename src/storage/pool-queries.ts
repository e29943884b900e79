// Query and transaction helpers over a `pg` pool, shared by the main database handle and by
// worker threads that open their own small pool on the same database.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

// 64-bit counts come back as strings by default; every count Parley reads fits in a double.
// Set here, so every thread that queries gets it.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

/** A client inside a transaction; the same `query` as the pool. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** How one query runs. */
export interface QueryOptions {
  /**
   * Run it as a named prepared statement, parsed and planned once per connection: for a statement
   * run with every turn whose planning costs more than its execution (a batch write through CTEs).
   * PostgreSQL keeps one generic plan for it, made once, whatever the tables grow to (the embedded
   * database never analyzes them): it must read by keys that no plan can trade for a scan.
   * The name is this statement's own (one text per name); it is ignored when prepared statements are
   * off (PARLEY_DB_PREPARED_STATEMENTS).
   */
  prepare?: string;
}

/** What data-access code needs: queries and short transactions. */
export interface QueryRunner {
  /** Rows of a parameterised query. */
  query<Row extends pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<Row[]>;
  /** Runs `work` in one transaction; keep it short, an embedded database serialises writers. */
  transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T>;
}

// A prepared statement's name on one connection: the statement's name and the connection's own
// random suffix. The embedded database serves every connection, from every process on its data
// directory, on one backend session, where two connections preparing one name would collide; the
// socket server deallocates a connection's statements when it leaves (embedded/session-queue.ts).
const connectionSuffix = new WeakMap<pg.ClientBase, string>();
function statementName(client: pg.ClientBase, name: string): string {
  let suffix = connectionSuffix.get(client);
  if (suffix === undefined) {
    suffix = randomBytes(6).toString('hex');
    connectionSuffix.set(client, suffix);
  }
  return `${name}_${suffix}`;
}

/** Runs a query on `client`, as a named prepared statement when asked and allowed. */
function runOn<Row extends pg.QueryResultRow>(
  client: pg.ClientBase,
  sql: string,
  params: unknown[] | undefined,
  name: string | undefined,
): Promise<pg.QueryResult<Row>> {
  return name === undefined
    ? client.query<Row>(sql, params)
    : client.query<Row>({ name: statementName(client, name), text: sql, values: params ?? [] });
}

export function poolQueries(pool: pg.Pool, prepare = true): QueryRunner {
  return {
    async query<Row extends pg.QueryResultRow>(sql: string, params?: unknown[], options?: QueryOptions) {
      const name = prepare ? options?.prepare : undefined;
      if (name === undefined) return (await pool.query<Row>(sql, params)).rows;
      // A connection of our own, to name the statement for it; released as pool.query releases
      // (a failed query's connection is dropped).
      return checkedOut(pool, async (client, broke) => {
        try {
          return (await runOn<Row>(client, sql, params, name)).rows;
        } catch (error) {
          broke(error as Error);
          throw error;
        }
      });
    },
    transaction: (work) => inTransaction(pool, 'begin', work),
  };
}

/** The role tenant-scoped work runs as; row-level security policies apply to it (migration 9). */
const TENANT_ROLE = 'parley_tenant';

/**
 * Queries scoped to one tenant by the database itself: each runs in a transaction as
 * `parley_tenant` with `parley.tenant_id` set, both transaction-local (the embedded database
 * shares one session between all connections, so nothing may outlive the transaction), and
 * row-level security shows and accepts that tenant's rows only. The role and the setting go in
 * the same round trip as `begin`: a scoped query costs two more round trips than a plain one.
 */
export function tenantQueries(pool: pg.Pool, tenantId: string, prepare = true): QueryRunner {
  const begin = (client: pg.PoolClient) =>
    `begin; select set_config('role', '${TENANT_ROLE}', true), set_config('parley.tenant_id', ${client.escapeLiteral(tenantId)}, true)`;
  return {
    async query<Row extends pg.QueryResultRow>(sql: string, params?: unknown[], options?: QueryOptions) {
      const name = prepare ? options?.prepare : undefined;
      return inTransaction(pool, begin, async (client) => (await runOn<Row>(client, sql, params, name)).rows);
    },
    transaction: (work) => inTransaction(pool, begin, work),
  };
}

async function inTransaction<T>(
  pool: pg.Pool,
  begin: string | ((client: pg.PoolClient) => string),
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return checkedOut(pool, async (client, broke) => {
    try {
      await client.query(typeof begin === 'string' ? begin : begin(client));
      const value = await work(client);
      await client.query('commit');
      return value;
    } catch (error) {
      // A connection that cannot roll back is unusable: drop it from the pool.
      await client.query('rollback').catch(broke);
      throw error;
    }
  });
}

/**
 * Runs `work` on a connection of the pool's, released after it (dropped when `broke` was called).
 * While it is checked out the pool does not listen for the connection's errors: one that ends
 * meanwhile (the database restarted) would be an uncaught exception; here it fails the query and
 * drops the connection, as pool.query does.
 */
async function checkedOut<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient, broke: (error: Error) => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const broke = (error: Error) => {
    broken ??= error;
  };
  client.on('error', broke);
  try {
    return await work(client, broke);
  } finally {
    client.off('error', broke);
    client.release(broken);
  }
}
