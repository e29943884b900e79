import { describe, expect, it, vi } from 'vitest';
import { GroupWriter } from './group-writer.js';

describe('GroupWriter', () => {
  it('writes the first item at once and groups the ones that arrive meanwhile', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const writer = new GroupWriter<number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = writer.add(1);
    expect(batches).toEqual([[1]]);
    const rest = [writer.add(2), writer.add(3), writer.add(4)];
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('retries a failed batch item by item, so one bad item fails alone', async () => {
    const written: number[] = [];
    let hold: Promise<void> | undefined = new Promise((resolve) => setTimeout(resolve, 10));
    const writer = new GroupWriter<number>(async (items) => {
      if (hold) {
        const wait = hold;
        hold = undefined;
        await wait;
      }
      if (items.includes(13)) throw new Error('bad item');
      written.push(...items);
    });
    const results = await Promise.allSettled([writer.add(1), writer.add(13), writer.add(2), writer.add(3)]);
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(written.sort()).toEqual([1, 2, 3]);
  });

  it('caps the batch size', async () => {
    const sizes: number[] = [];
    const writer = new GroupWriter<number>(async (items) => {
      sizes.push(items.length);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }, 2);
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => writer.add(n)));
    expect(sizes).toEqual([1, 2, 2, 1]);
  });

  it('leaves the least interval between two writes: what arrives within it shares the next, a lone item after a quiet spell goes at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    try {
      const batches: number[][] = [];
      const writer = new GroupWriter<number>(
        async (items) => {
          batches.push(items);
        },
        100,
        20,
      );
      await writer.add(1);
      expect(batches).toEqual([[1]]);
      const rest = [writer.add(2), writer.add(3)];
      await vi.advanceTimersByTimeAsync(5);
      expect(batches).toEqual([[1]]);
      rest.push(writer.add(4));
      await vi.advanceTimersByTimeAsync(15);
      await Promise.all(rest);
      expect(batches).toEqual([[1], [2, 3, 4]]);
      await vi.advanceTimersByTimeAsync(100);
      await writer.add(5);
      expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    } finally {
      vi.useRealTimers();
    }
  });
});
