// Start-up index builds are not cut short by the pool's per-query timeout (60 s in Parley): a
// BM25 rebuild over a large corpus takes minutes, and start-up must wait for it.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { indexBuild } from './search-indexes.js';

const url = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('index builds', () => {
  // The pool's timeout shrunk to 200 ms stands for Parley's 60 s against a long build.
  const pool = new pg.Pool({ connectionString: url, query_timeout: 200, max: 2 });
  afterAll(() => pool.end());

  it('outlive the pool query timeout that cuts an ordinary statement', async () => {
    await expect(pool.query('select pg_sleep(0.6)')).rejects.toThrow(/timeout/i);
    const built = await pool.query(indexBuild('select pg_sleep(0.6), 1 as done'));
    expect(built.rows[0]?.done).toBe(1);
  });
});
