import { describe, expect, it } from 'vitest';
import { VerifiedKeys } from './verified-keys.js';

const identity = (keyId: string, tenantId: string) => ({ keyId, tenantId });

describe('VerifiedKeys', () => {
  it('answers until the entry ends, then forgets it', () => {
    const keys = new VerifiedKeys(10);
    keys.set('d1', identity('k1', 't1'), 2_000, 1);
    expect(keys.get('d1', 1_999)).toEqual(identity('k1', 't1'));
    expect(keys.get('d1', 2_000)).toBeUndefined();
    expect(keys.tenants()).toEqual([]);
  });

  it("drops a tenant's entries read before its current generation, and no one else's", () => {
    const keys = new VerifiedKeys(10);
    keys.set('d1', identity('k1', 't1'), 10_000, 3);
    keys.set('d2', identity('k2', 't1'), 10_000, 4);
    keys.set('d3', identity('k3', 't2'), 10_000, 1);
    expect(keys.tenants().sort()).toEqual(['t1', 't2']);
    keys.dropOlderThan(new Map([['t1', 4]]));
    expect(keys.get('d1', 0)).toBeUndefined();
    expect(keys.get('d2', 0)).toBeDefined();
    expect(keys.get('d3', 0)).toBeDefined();
  });

  it('forgets every secret of one key, and stays within its bound', () => {
    const keys = new VerifiedKeys(2);
    keys.set('old', identity('k1', 't1'), 10_000, 1);
    keys.set('new', identity('k1', 't1'), 10_000, 1);
    keys.forgetKey('k1');
    expect(keys.get('old', 0)).toBeUndefined();
    expect(keys.get('new', 0)).toBeUndefined();
    for (const digest of ['a', 'b', 'c']) keys.set(digest, identity(digest, 't1'), 10_000, 1);
    expect(keys.get('a', 0)).toBeUndefined();
    expect(keys.get('c', 0)).toBeDefined();
  });
});
