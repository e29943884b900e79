// Many pooled connections on the embedded database at once: parameterised statements of
// different shapes and transactions must never see each other's protocol state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDataDir } from '../../../test/support/test-backend.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../telemetry/index.js';
import { type Database, openDatabase } from '../index.js';

describe('embedded database over its socket', () => {
  let db: Database;
  beforeAll(async () => {
    const dataDir = await prepareDataDir();
    db = await openDatabase(
      loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_DB_POOL_SIZE: '8' }).storage,
      createLogger('silent'),
    );
  });
  afterAll(async () => {
    await db?.close();
  });

  it('runs hundreds of concurrent parameterised queries of different shapes correctly', async () => {
    const work = Array.from({ length: 300 }, (_, index) => {
      if (index % 3 === 0)
        return db.query<{ v: number }>('select $1::int as v', [index]).then((r) => r[0]?.v);
      if (index % 3 === 1) {
        return db
          .query<{ v: number }>('select $1::int + $2::int + $3::int as v', [index, 0, 0])
          .then((r) => r[0]?.v);
      }
      return db
        .query<{ v: number }>('select $1::int * $2::int + $3::int - $4::int as v', [index, 1, 0, 0])
        .then((r) => r[0]?.v);
    });
    expect(await Promise.all(work)).toEqual(Array.from({ length: 300 }, (_, index) => index));
  });

  it('keeps a transaction isolated from queries on other connections, and rolls back on error', async () => {
    await db.query('create table if not exists queue_probe (n int)');
    const inside = db.transaction(async (client) => {
      await client.query('insert into queue_probe values (1)');
      await new Promise((resolve) => setTimeout(resolve, 50));
      await client.query('insert into queue_probe values (2)');
    });
    const outside = db.query<{ n: number }>('select count(*)::int as n from queue_probe');
    await inside;
    // The other connection waited for the commit rather than seeing half of it.
    expect([0, 2]).toContain((await outside)[0]?.n);
    await expect(
      db.transaction(async (client) => {
        await client.query('insert into queue_probe values (3)');
        await client.query('select * from no_such_table');
      }),
    ).rejects.toThrow(/no_such_table/);
    expect((await db.query<{ n: number }>('select count(*)::int as n from queue_probe'))[0]?.n).toBe(2);
  });
});
