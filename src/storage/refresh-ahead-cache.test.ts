import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RefreshAheadCache } from './refresh-ahead-cache.js';

describe('RefreshAheadCache', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['Date'] }));
  afterEach(() => vi.useRealTimers());

  function counter(fail = () => false) {
    let reads = 0;
    const read = async (key: string) => {
      reads += 1;
      if (fail()) throw new Error('database down');
      return `${key}#${reads}`;
    };
    const cache = new RefreshAheadCache(read, { ttlMs: 1_000, maxStaleMs: 5_000, max: 2 });
    return { cache, reads: () => reads };
  }

  it('answers a fresh key from memory, a stale one at once while reading it again, a too old one after reading', async () => {
    const { cache, reads } = counter();
    expect(await cache.get('a')).toBe('a#1');
    expect(await cache.get('a')).toBe('a#1');
    expect(reads()).toBe(1);
    vi.advanceTimersByTime(1_500);
    // Stale: the old value now, the new one for the next request.
    expect(await cache.get('a')).toBe('a#1');
    await Promise.resolve();
    expect(await cache.get('a')).toBe('a#2');
    expect(reads()).toBe(2);
    vi.advanceTimersByTime(10_000);
    // Past the staleness bound: the read is waited for.
    expect(await cache.get('a')).toBe('a#3');
  });

  it('forgets a deleted key, failed reads, and the oldest key beyond its size', async () => {
    let down = false;
    const { cache, reads } = counter(() => down);
    await cache.get('a');
    cache.delete('a');
    expect(await cache.get('a')).toBe('a#2');
    down = true;
    await expect(cache.get('b')).rejects.toThrow('database down');
    vi.advanceTimersByTime(1_500);
    // A failed refresh: the stale value answered this once, the next request reads again.
    expect(await cache.get('a')).toBe('a#2');
    await Promise.resolve();
    await Promise.resolve();
    await expect(cache.get('a')).rejects.toThrow('database down');
    down = false;
    await cache.get('c');
    await cache.get('d');
    await cache.get('e');
    const before = reads();
    await cache.get('c');
    expect(reads()).toBe(before + 1);
  });

  it('hands a background refresh the value it replaces, so an unchanged value can be kept', async () => {
    const seen: (string | undefined)[] = [];
    const cache = new RefreshAheadCache(
      async (key: string, previous?: string) => {
        seen.push(previous);
        return previous ?? `${key}#1`;
      },
      { ttlMs: 1_000, maxStaleMs: 5_000, max: 2 },
    );
    expect(await cache.get('a')).toBe('a#1');
    vi.advanceTimersByTime(1_500);
    expect(await cache.get('a')).toBe('a#1');
    await Promise.resolve();
    vi.advanceTimersByTime(1_500);
    await cache.get('a');
    expect(seen).toEqual([undefined, 'a#1', 'a#1']);
  });
});
