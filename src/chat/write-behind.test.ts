import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../telemetry/index.js';
import { WriteBehind } from './write-behind.js';

describe('WriteBehind', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps retrying a write while the database is away for tens of seconds, then stores it', async () => {
    const queue = new WriteBehind(createLogger('silent'));
    // Away for 30 s (an embedded database thread restarting on a busy machine).
    const backAt = Date.now() + 30_000;
    let attempts = 0;
    let stored = false;
    const done = queue.enqueue('save-turn', async () => {
      attempts++;
      if (Date.now() < backAt) throw new Error('connect ENOENT');
      stored = true;
    });
    await vi.advanceTimersByTimeAsync(40_000);
    await done;
    expect(stored).toBe(true);
    expect(attempts).toBeGreaterThan(5);
    expect(queue.size).toBe(0);
  });

  it('gives a write up once its retry time is spent, and settles without rejecting', async () => {
    const queue = new WriteBehind(createLogger('silent'), 10_000);
    let attempts = 0;
    const done = queue.enqueue('save-turn', async () => {
      attempts++;
      throw new Error('still away');
    });
    await vi.advanceTimersByTimeAsync(15_000);
    await expect(done).resolves.toBeUndefined();
    expect(attempts).toBeGreaterThan(1);
    expect(queue.size).toBe(0);
  });
});
