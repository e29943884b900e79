import { describe, expect, it } from 'vitest';
import type { Database } from '../../storage/index.js';
import { hashSecret, KeyVerifier } from './api-keys.js';

const ID = '0123456789abcdef';
const SECRET = 'S'.repeat(43);
const SALT = 'c2FsdA==';

/** A database holding one secret key, counting its lookups. */
async function oneKey() {
  const row = {
    tenant_id: 't1',
    hash: await hashSecret(SECRET, SALT),
    salt: SALT,
    kind: 'secret',
    bot: null,
    allowed_origins: [],
    rate_limit_per_minute: null,
    scopes: ['admin'],
    expires_at: null,
    previous_hash: null,
    previous_expires_at: null,
    generation: 1,
  };
  const lookups: string[] = [];
  const db = {
    query: async (_sql: string, params: unknown[]) => {
      lookups.push(String(params[0]));
      return params[0] === ID ? [row] : [];
    },
  } as unknown as Database;
  return { db, lookups };
}

/** A hash that counts its calls and how many ran at once, finishing when told. */
function countingHash() {
  const state = { calls: 0, running: 0, most: 0, salts: [] as string[] };
  const hash = async (secret: string, salt: string) => {
    state.calls++;
    state.salts.push(salt);
    state.running++;
    state.most = Math.max(state.most, state.running);
    try {
      return await hashSecret(secret, salt);
    } finally {
      state.running--;
    }
  };
  return { state, hash };
}

describe('KeyVerifier', () => {
  it('verifies the right secret once, then answers from its cache', async () => {
    const { db, lookups } = await oneKey();
    const { state, hash } = countingHash();
    const keys = new KeyVerifier(db, hash);
    expect(await keys.verify(`parley_${ID}_${SECRET}`)).toEqual({
      keyId: ID,
      tenantId: 't1',
      scopes: ['admin'],
    });
    expect(await keys.verify(`parley_${ID}_${SECRET}`)).toEqual({
      keyId: ID,
      tenantId: 't1',
      scopes: ['admin'],
    });
    expect(state.calls).toBe(1);
    expect(lookups).toEqual([ID]);
  });

  it('checks a key once however many requests present it together, and every one is answered', async () => {
    const { db, lookups } = await oneKey();
    const { state, hash } = countingHash();
    const keys = new KeyVerifier(db, hash);
    // 500 clients of one key arrive at a server that has not seen it yet (a restart).
    const right = await Promise.all(Array.from({ length: 500 }, () => keys.verify(`parley_${ID}_${SECRET}`)));
    expect(right.every((identity) => identity?.tenantId === 't1')).toBe(true);
    expect(state.calls).toBe(1);
    expect(lookups).toEqual([ID]);
    // The same for a wrong secret: one hash, every request refused.
    const wrong = await Promise.all(
      Array.from({ length: 50 }, () => keys.verify(`parley_${ID}_${'W'.repeat(43)}`)),
    );
    expect(wrong.every((identity) => identity === undefined)).toBe(true);
    expect(state.calls).toBe(2);
  });

  it('hashes an unknown id as it hashes a known one, so timing does not tell which ids exist', async () => {
    const { db } = await oneKey();
    const { state, hash } = countingHash();
    const keys = new KeyVerifier(db, hash);
    expect(await keys.verify(`parley_${'f'.repeat(16)}_${SECRET}`)).toBeUndefined();
    expect(await keys.verify(`parley_${ID}_${'W'.repeat(43)}`)).toBeUndefined();
    // A secret key's id presented as publishable is refused after the same hash.
    expect(await keys.verify(`pk_${ID}_${SECRET}`)).toBeUndefined();
    expect(state.calls).toBe(3);
    expect(state.salts[0]).not.toBe(SALT);
    expect(state.salts.slice(1)).toEqual([SALT, expect.any(String)]);
  });

  it('remembers a wrong key: the same guess again costs neither a lookup nor a hash', async () => {
    const { db, lookups } = await oneKey();
    const { state, hash } = countingHash();
    const keys = new KeyVerifier(db, hash);
    const wrong = `parley_${ID}_${'W'.repeat(43)}`;
    for (let attempt = 0; attempt < 5; attempt++) expect(await keys.verify(wrong)).toBeUndefined();
    expect(state.calls).toBe(1);
    expect(lookups).toHaveLength(1);
    // The right key still works.
    expect(await keys.verify(`parley_${ID}_${SECRET}`)).toEqual({
      keyId: ID,
      tenantId: 't1',
      scopes: ['admin'],
    });
  });

  it('runs at most two hashes at once, however many guesses arrive together', async () => {
    const { db } = await oneKey();
    const { state, hash } = countingHash();
    const keys = new KeyVerifier(db, hash);
    const guesses = Array.from(
      { length: 12 },
      (_, index) => `parley_${ID}_${String(index).padStart(2, '0')}${'G'.repeat(41)}`,
    );
    const results = await Promise.all(guesses.map((guess) => keys.verify(guess)));
    expect(results.every((result) => result === undefined)).toBe(true);
    expect(state.calls).toBe(12);
    expect(state.most).toBeLessThanOrEqual(2);
  });

  it("accepts a rotated-out secret while it is valid, and re-reads a key once its tenant's generation moves", async () => {
    const old = 'O'.repeat(43);
    const row = {
      tenant_id: 't1',
      hash: await hashSecret(SECRET, SALT),
      previous_hash: await hashSecret(old, SALT),
      previous_expires_at: new Date(Date.now() + 60_000),
      salt: SALT,
      kind: 'secret',
      bot: null,
      allowed_origins: [],
      rate_limit_per_minute: null,
      scopes: ['read'],
      expires_at: null,
      generation: 1,
    };
    let generation = 1;
    let lookups = 0;
    const db = {
      query: async (sql: string) => {
        if (sql.includes('from key_generations')) return [{ tenant_id: 't1', generation }];
        lookups++;
        return [row];
      },
    } as unknown as Database;
    const keys = new KeyVerifier(db);
    expect(await keys.verify(`parley_${ID}_${old}`)).toEqual({ keyId: ID, tenantId: 't1', scopes: ['read'] });
    expect(await keys.verify(`parley_${ID}_${SECRET}`)).toBeDefined();
    await keys.poll();
    expect(await keys.verify(`parley_${ID}_${old}`)).toBeDefined();
    expect(lookups).toBe(2);
    // Revoked elsewhere: the generation moves, the next request reads the key again.
    generation = 2;
    await keys.poll();
    expect(await keys.verify(`parley_${ID}_${SECRET}`)).toBeDefined();
    expect(lookups).toBe(3);
  });
});
