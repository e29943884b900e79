import { describe, expect, it } from 'vitest';
import { flatMapIterator } from './flat-map-iterator.js';

async function* numbers(count: number, closed: { value: boolean }, failAt?: number) {
  try {
    for (let i = 1; i <= count; i++) {
      if (i === failAt) throw new Error(`broke at ${i}`);
      yield i;
    }
  } finally {
    closed.value = true;
  }
}

const read = async <T>(iterator: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of iterator) out.push(item);
  return out;
};

describe('flatMapIterator', () => {
  it('maps each item to none, one or more, then adds what the end gives', async () => {
    const closed = { value: false };
    const mapped = flatMapIterator(numbers(4, closed), {
      each: (n) => (n % 2 === 0 ? [`${n}a`, `${n}b`] : []),
      end: () => ['end'],
    });
    expect(await read(mapped)).toEqual(['2a', '2b', '4a', '4b', 'end']);
    expect(closed.value).toBe(true);
  });

  it('stops reading and closes the source when the step says so, then ends', async () => {
    const closed = { value: false };
    const seen: number[] = [];
    const mapped = flatMapIterator(numbers(100, closed), {
      each: (n) => {
        seen.push(n);
        return [n];
      },
      stop: () => seen.length === 3,
      end: () => [0],
    });
    expect(await read(mapped)).toEqual([1, 2, 3, 0]);
    expect(seen).toEqual([1, 2, 3]);
    expect(closed.value).toBe(true);
  });

  it("rejects with the source's error, without the end, and reads nothing after", async () => {
    const closed = { value: false };
    const mapped = flatMapIterator(numbers(5, closed, 3), { each: (n) => [n], end: () => [0] });
    const out: number[] = [];
    await expect(
      (async () => {
        for await (const n of mapped) out.push(n);
      })(),
    ).rejects.toThrow('broke at 3');
    expect(out).toEqual([1, 2]);
    expect(await mapped.next()).toEqual({ value: undefined, done: true });
  });

  it('closes the source when the reader leaves early', async () => {
    const closed = { value: false };
    const mapped = flatMapIterator(numbers(100, closed), { each: (n) => [n], end: () => [0] });
    for await (const n of mapped) if (n === 2) break;
    // The source's `finally` runs once its pending step is over.
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed.value).toBe(true);
    expect(await mapped.next()).toEqual({ value: undefined, done: true });
  });
});
