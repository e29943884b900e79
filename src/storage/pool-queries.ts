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
    async transaction<T>(work: (client: Queryable) => Promise<T>) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('begin');
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
    },
  };
}
