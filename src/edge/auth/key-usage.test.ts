import { describe, expect, it } from 'vitest';
import { KeyUsage, LAST_USED_GRAIN_MS } from './key-usage.js';

/** A database that records each statement's parameters, failing when told. */
function recordingDb() {
  const writes: unknown[][] = [];
  const state = { fail: false };
  const db = {
    query: async <Row>(_sql: string, params?: unknown[]): Promise<Row[]> => {
      if (state.fail) throw new Error('database down');
      writes.push(params ?? []);
      return [];
    },
  };
  return { db, writes, state };
}

describe('KeyUsage', () => {
  it('writes nothing on use, then all noted keys in one statement', async () => {
    const { db, writes } = recordingDb();
    const usage = new KeyUsage(db);
    usage.used('a', 1_000);
    usage.used('b', 1_000);
    expect(writes).toHaveLength(0);
    await usage.flush();
    expect(writes).toHaveLength(1);
    expect(writes[0]?.[0]).toEqual(['a', 'b']);
    await usage.flush();
    expect(writes).toHaveLength(1);
  });

  it('notes a key at most once a minute', async () => {
    const { db, writes } = recordingDb();
    const usage = new KeyUsage(db);
    for (let at = 0; at < LAST_USED_GRAIN_MS; at += 1_000) usage.used('a', 10_000 + at);
    await usage.flush();
    usage.used('a', 10_000 + LAST_USED_GRAIN_MS - 1);
    await usage.flush();
    expect(writes).toHaveLength(1);
    usage.used('a', 10_000 + LAST_USED_GRAIN_MS);
    await usage.flush();
    expect(writes).toHaveLength(2);
    expect(writes[1]?.[1]).toEqual([new Date(10_000 + LAST_USED_GRAIN_MS)]);
  });

  it('keeps what a failed write held for the next one', async () => {
    const { db, writes, state } = recordingDb();
    const usage = new KeyUsage(db);
    usage.used('a', 1_000);
    state.fail = true;
    await expect(usage.flush()).rejects.toThrow('database down');
    state.fail = false;
    await usage.flush();
    expect(writes[0]?.[0]).toEqual(['a']);
  });
});
