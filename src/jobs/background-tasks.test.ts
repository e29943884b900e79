import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../telemetry/index.js';
import { BackgroundTasks } from './background-tasks.js';

const log = createLogger('silent');

describe('BackgroundTasks', () => {
  it('keeps retrying a write while the database is away for tens of seconds, then stores it', async () => {
    vi.useFakeTimers();
    const tasks = new BackgroundTasks(log);
    // Away for 30 s (an embedded database thread restarting on a busy machine).
    const backAt = Date.now() + 30_000;
    let attempts = 0;
    let stored = false;
    const done = tasks.enqueue('save-turn', async () => {
      attempts++;
      if (Date.now() < backAt) throw new Error('connect ENOENT');
      stored = true;
    });
    await vi.advanceTimersByTimeAsync(40_000);
    await done;
    expect(stored).toBe(true);
    expect(attempts).toBeGreaterThan(5);
    expect(tasks.writes).toBe(0);
  });

  it('gives a write up once its retry time is spent, and settles without rejecting', async () => {
    vi.useFakeTimers();
    const tasks = new BackgroundTasks(log, 10_000);
    let attempts = 0;
    const done = tasks.enqueue('save-turn', async () => {
      attempts++;
      throw new Error('still away');
    });
    await vi.advanceTimersByTimeAsync(15_000);
    await expect(done).resolves.toBeUndefined();
    expect(attempts).toBeGreaterThan(1);
    expect(tasks.size).toBe(0);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries a write until it succeeds, counts each try, and drains before shutdown', async () => {
    vi.useFakeTimers();
    const tasks = new BackgroundTasks(log);
    const registry = new Registry();
    tasks.registerMetrics(registry);
    let tries = 0;
    const written = tasks.enqueue('save-turn', async () => {
      tries++;
      if (tries < 3) throw new Error('database busy');
    });
    expect(tasks.writes).toBe(1);
    const drained = tasks.drain();
    await vi.runAllTimersAsync();
    await written;
    await drained;
    expect(tries).toBe(3);
    expect(tasks.writes).toBe(0);
    const counted = await registry.getSingleMetricAsString('parley_background_tasks_total');
    expect(counted).toContain('task="save-turn",outcome="retried"} 2');
    expect(counted).toContain('task="save-turn",outcome="done"} 1');
  });

  it('gives up after its tries, never rejecting, and counts the failure', async () => {
    vi.useFakeTimers();
    const tasks = new BackgroundTasks(log);
    const registry = new Registry();
    tasks.registerMetrics(registry);
    const given = tasks.run('budget-webhook', async () => {
      throw new Error('refused');
    });
    await vi.runAllTimersAsync();
    await expect(given).resolves.toBeUndefined();
    expect(await registry.getSingleMetricAsString('parley_background_tasks_total')).toContain(
      'task="budget-webhook",outcome="failed"} 1',
    );
  });

  it('runs a sweep on schedule, never two at once, and stops at drain', async () => {
    vi.useFakeTimers();
    const tasks = new BackgroundTasks(log);
    let running = 0;
    let most = 0;
    let runs = 0;
    let release: () => void = () => {};
    tasks.every(
      'trace-retention',
      1_000,
      async () => {
        runs++;
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        running--;
      },
      { firstAfterMs: 10 },
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(runs).toBe(1);
    // Still running when the next ticks come: they are skipped.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(runs).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(2);
    const drained = tasks.drain();
    release();
    await drained;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toBe(2);
    expect(most).toBe(1);
  });

  it('tells listeners each time a task settles, with the counts already down', async () => {
    const tasks = new BackgroundTasks(log);
    const seen: number[][] = [];
    tasks.onSettled(() => seen.push([tasks.size, tasks.writes]));
    await tasks.enqueue('save-usage', async () => {});
    await tasks.run('account-turn', async () => {});
    expect(seen).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });
});
