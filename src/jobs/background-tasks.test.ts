import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../telemetry/index.js';
import { BackgroundTasks } from './background-tasks.js';

const log = createLogger('silent');

/** Tasks whose log lines (warnings and above) and metrics are kept, to check what a failure leaves. */
function observedTasks(): { tasks: BackgroundTasks; lines: string[]; registry: Registry } {
  const lines: string[] = [];
  const tasks = new BackgroundTasks(
    pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }),
  );
  const registry = new Registry();
  tasks.registerMetrics(registry);
  return { tasks, lines, registry };
}

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

  it('runs a loop on schedule, never two at once, and stops at drain', async () => {
    vi.useFakeTimers();
    const tasks = new BackgroundTasks(log);
    let running = 0;
    let most = 0;
    let runs = 0;
    let release: () => void = () => {};
    tasks.loop(
      'trace-retention',
      async () => {
        runs++;
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        running--;
      },
      { everyMs: 1_000, firstAfterMs: 10 },
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(runs).toBe(1);
    // Still running when the next run was due: none starts beside it.
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

  it('runs a loop at once when poked, and once more after the run under way when poked during it', async () => {
    vi.useFakeTimers();
    const tasks = new BackgroundTasks(log);
    let runs = 0;
    let release: () => void = () => {};
    const loop = tasks.loop(
      'ingest-jobs',
      async () => {
        runs++;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      { everyMs: 60_000 },
    );
    loop.poke();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    loop.poke();
    loop.poke();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    // Two pokes during the run make one run after it, not two.
    expect(runs).toBe(2);
    release();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(runs).toBe(2);
    await loop.stop();
    loop.poke();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(runs).toBe(2);
  });

  it('runs a loop again at once while its runs leave work, then waits', async () => {
    vi.useFakeTimers();
    const tasks = new BackgroundTasks(log);
    let left = 3;
    let runs = 0;
    tasks.loop(
      'embedding-backfill',
      async () => {
        runs++;
        if (left === 0) return false;
        left--;
        return left > 0;
      },
      { everyMs: 30_000, firstAfterMs: 0 },
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(left).toBe(0);
    expect(runs).toBe(3);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(runs).toBe(4);
    await tasks.drain();
  });

  it('logs and counts a failed loop run, backs off while the runs fail, and keeps the loop going', async () => {
    vi.useFakeTimers();
    const { tasks, lines, registry } = observedTasks();
    const tries: number[] = [];
    tasks.loop(
      'embedding-backfill',
      async () => {
        tries.push(Date.now());
        if (tries.length <= 3) throw new Error('provider away');
      },
      { everyMs: 30_000, firstAfterMs: 0, backoff: { firstMs: 1_000, maxMs: 60_000 } },
    );
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tries.length).toBe(4);
    // 1 s, then 2 s, then 4 s between the tries.
    expect(tries.slice(1).map((at, index) => at - tries[index]!)).toEqual([1_000, 2_000, 4_000]);
    const failures = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatchObject({ task: 'embedding-backfill', msg: 'background loop run failed' });
    const counted = await registry.getSingleMetricAsString('parley_background_tasks_total');
    expect(counted).toContain('task="embedding-backfill",outcome="failed"} 3');
    expect(counted).toContain('task="embedding-backfill",outcome="done"} 1');
    await tasks.drain();
  });

  it('gives a write up at once, logged once and counted, when retrying cannot help', async () => {
    vi.useFakeTimers();
    const { tasks, lines, registry } = observedTasks();
    let attempts = 0;
    const done = tasks.enqueue('save-turn', async () => {
      attempts++;
      // What node-postgres throws for text with a lone surrogate or a bad byte sequence.
      throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0xed 0xa0 0x80'), {
        code: '22021',
      });
    });
    expect(tasks.writes).toBe(1);
    await done;
    expect(attempts).toBe(1);
    expect(tasks.writes).toBe(0);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ task: 'save-turn', attempts: 1 });
    const counted = await registry.getSingleMetricAsString('parley_background_tasks_total');
    expect(counted).toContain('task="save-turn",outcome="permanent"} 1');
    expect(counted).not.toContain('outcome="retried"');
  });

  it('counts a write that waits for another as pending only once it can start, and drains it', async () => {
    const tasks = new BackgroundTasks(log);
    let turnStored!: () => void;
    const turnWrite = new Promise<void>((resolve) => {
      turnStored = resolve;
    });
    let usageStored = false;
    void tasks.enqueueAfter('save-usage', turnWrite, async () => {
      usageStored = true;
    });
    // Tracked (a drain waits for it), but not yet a write left behind: the turn's own counts.
    expect(tasks.size).toBe(1);
    expect(tasks.writes).toBe(0);
    const drained = tasks.drain();
    turnStored();
    await drained;
    expect(usageStored).toBe(true);
    expect([tasks.size, tasks.writes]).toEqual([0, 0]);
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
