import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../telemetry/index.js';
import { BackgroundTasks } from './background-tasks.js';

const log = createLogger('silent');

describe('BackgroundTasks', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries a write until it succeeds, counts each try, and drains before shutdown', async () => {
    vi.useFakeTimers();
    const tasks = new BackgroundTasks(log, 3);
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
