// Many pooled connections on the embedded database at once: parameterised statements of
// different shapes and transactions must never see each other's protocol state.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, prepareDataDir } from '../../../test/support/test-backend.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../telemetry/index.js';
import { type Database, openDatabase, poolQueries } from '../index.js';
import { preparedName } from './session-queue.js';

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

  it("serves prepared statements of one name from many connections of the one session, and deallocates a connection's when it leaves", async () => {
    const prepared = async () =>
      (
        await db.query<{ n: number }>(
          "select count(*)::int as n from pg_prepared_statements where name like 'queue_probe_%'",
        )
      )[0]?.n ?? 0;
    // Another process's pool on the same data directory: its own connections to the socket.
    const pool = new pg.Pool({ ...db.connection, max: 4 });
    const other = poolQueries(pool);
    const sum = 'select $1::int + $2::int as v';
    // Four connections at once prepare the same statement name on the one backend session.
    const work = Array.from({ length: 40 }, (_, index) =>
      other.query<{ v: number }>(sum, [index, 1], { prepare: 'queue_probe' }).then((r) => r[0]?.v),
    );
    expect(await Promise.all(work)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    const during = await prepared();
    expect(during).toBeGreaterThanOrEqual(2);
    expect(during).toBeLessThanOrEqual(4);
    // Again: each connection runs its statement without preparing it anew.
    await Promise.all(Array.from({ length: 20 }, () => other.query(sum, [1, 2], { prepare: 'queue_probe' })));
    expect(await prepared()).toBe(during);
    await pool.end();
    // The connections left: their statements go with them.
    await eventually(async () => ((await prepared()) === 0 ? true : undefined));
  });
});

describe('preparedName', () => {
  const parse = (name: string, text: string) => {
    const body = Buffer.concat([Buffer.from(`${name}\0${text}\0`), Buffer.from([0, 0])]);
    const header = Buffer.alloc(5);
    header[0] = 0x50;
    header.writeInt32BE(body.length + 4, 1);
    return new Uint8Array(Buffer.concat([header, body]));
  };
  it('reads the statement a Parse message names, and nothing for the unnamed one or another message', () => {
    expect(preparedName(parse('save_turns_0a1b', 'select 1'))).toBe('save_turns_0a1b');
    expect(preparedName(parse('', 'select 1'))).toBeUndefined();
    expect(preparedName(new Uint8Array([0x53, 0, 0, 0, 4]))).toBeUndefined();
  });
});
