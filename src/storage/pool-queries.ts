// Query and transaction helpers over a `pg` pool, shared by the main database handle and by
// worker threads that open their own small pool on the same database.
import pg from 'pg';

// 64-bit counts come back as strings by default; every count Parley reads fits in a double.
// Set here, so every thread that queries gets it.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

/** A client inside a transaction; the same `query` as the pool. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** What data-access code needs: queries and short transactions. */
export interface QueryRunner {
  /** Rows of a parameterised query. */
  query<Row extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs `work` in one transaction; keep it short, an embedded database serialises writers. */
  transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T>;
}

export function poolQueries(pool: pg.Pool): QueryRunner {
  return {
    async query<Row extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
      const result = await pool.query<Row>(sql, params);
      return result.rows;
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
export function tenantQueries(pool: pg.Pool, tenantId: string): QueryRunner {
  const begin = (client: pg.PoolClient) =>
    `begin; select set_config('role', '${TENANT_ROLE}', true), set_config('parley.tenant_id', ${client.escapeLiteral(tenantId)}, true)`;
  return {
    async query<Row extends pg.QueryResultRow>(sql: string, params?: unknown[]) {
      return inTransaction(pool, begin, async (client) => (await client.query<Row>(sql, params)).rows);
    },
    transaction: (work) => inTransaction(pool, begin, work),
  };
}

async function inTransaction<T>(
  pool: pg.Pool,
  begin: string | ((client: pg.PoolClient) => string),
  work: (client: Queryable) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(typeof begin === 'string' ? begin : begin(client));
    const value = await work(client);
    await client.query('commit');
    return value;
  } catch (error) {
    await client.query('rollback').catch((rollbackError: Error) => {
      broken = rollbackError; // the connection is unusable: drop it from the pool
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
