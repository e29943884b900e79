import { setImmediate as settle, setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../errors/index.js';
import { eventLoopSampler, TurnGate, threadCpuMs } from './turn-gate.js';

const gate = (options: Partial<ConstructorParameters<typeof TurnGate>[0]> = {}) =>
  new TurnGate({ maxActive: 2, queueTimeoutMs: 5_000, ...options });

describe('TurnGate', () => {
  it('answers up to its bound at once and lets the others wait, first come first served', async () => {
    const turns = gate();
    const first = await turns.enter();
    await turns.enter();
    const order: string[] = [];
    const third = turns.enter().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = turns.enter().then((release) => {
      order.push('fourth');
      return release;
    });
    await settle(); // every admission already due has happened
    expect(turns.state()).toMatchObject({ active: 2, waiting: 2 });
    first();
    first(); // a second call frees nothing more
    const releaseThird = await third;
    expect(order).toEqual(['third']);
    expect(turns.state()).toMatchObject({ active: 2, waiting: 1 });
    releaseThird();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
  });

  it('answers 503 with Retry-After after the queue timeout, and lets a client leave the line', async () => {
    const turns = gate({ maxActive: 1, queueTimeoutMs: 50 });
    const release = await turns.enter();
    const late = await turns.enter().catch((error: unknown) => error);
    expect(isParleyError(late) && late.code).toBe('PARLEY_ERR_OVERLOADED');
    expect(isParleyError(late) && late.httpStatus).toBe(503);
    expect(isParleyError(late) && late.headers['retry-after']).toBe('1');

    const left = new AbortController();
    const waiting = turns.enter(left.signal).catch((error: unknown) => error);
    left.abort(new Error('gone'));
    expect(((await waiting) as Error).message).toBe('gone');
    expect(turns.state()).toMatchObject({ active: 1, waiting: 0 });
    release();
    expect(turns.state().active).toBe(0);
  });

  it('admits every turn at once without a bound', async () => {
    const turns = gate({ maxActive: 0 });
    await Promise.all(Array.from({ length: 500 }, () => turns.enter()));
    expect(turns.state()).toEqual({ active: 500, waiting: 0, limit: 0, pendingWrites: 0 });
  });

  it('holds new turns while the writes left behind reach their bound, and admits them as writes finish', async () => {
    let pending = 0;
    const turns = gate({ maxActive: 0, pendingWrites: () => pending, maxPendingWrites: 3 });
    const releases = await Promise.all([turns.enter(), turns.enter()]);
    pending = 1; // active 2 + pending 1: full
    let admitted = false;
    const waiting = turns.enter().then((release) => {
      admitted = true;
      return release;
    });
    await settle(); // every admission already due has happened
    expect(turns.state()).toEqual({ active: 2, waiting: 1, limit: 0, pendingWrites: 1 });
    // A turn ends, having left its write behind: still full.
    pending = 2;
    releases[0]!();
    await settle(); // every admission already due has happened
    expect(admitted).toBe(false);
    // The database catches up.
    pending = 0;
    turns.recheck();
    await waiting;
    expect(turns.state()).toMatchObject({ active: 2, waiting: 0, pendingWrites: 0 });
  });

  it('answers 503 when the writes do not drain within the queue timeout', async () => {
    const turns = gate({ maxActive: 0, queueTimeoutMs: 50, pendingWrites: () => 10, maxPendingWrites: 10 });
    const late = await turns.enter().catch((error: unknown) => error);
    expect(isParleyError(late) && late.code).toBe('PARLEY_ERR_OVERLOADED');
  });

  describe('the adaptive limit', () => {
    /** A gate whose event-loop readings the test scripts; `adapt()` is called by hand. */
    const adaptive = (options: { maxActive?: number; minActive?: number } = {}) => {
      let reading: { delayMs: number; utilization: number; cpu?: number } = { delayMs: 0, utilization: 0 };
      const turns = gate({
        maxActive: options.maxActive ?? 0,
        adaptive: {
          targetDelayMs: 30,
          intervalMs: 0,
          sample: () => reading,
          ...(options.minActive !== undefined ? { minActive: options.minActive } : {}),
        },
      });
      /** One interval: the loop's delay p99 (ms) and how busy it was. */
      const second = (delayMs: number, utilization = 0.95, cpu?: number) => {
        reading = { delayMs, utilization, ...(cpu === undefined ? {} : { cpu }) };
        turns.adapt();
      };
      return { turns, second };
    };

    it('admits fewer turns while the busy event loop is delayed beyond the target, and lets the rest wait', async () => {
      const { turns, second } = adaptive();
      const releases = await Promise.all(Array.from({ length: 100 }, () => turns.enter()));
      second(5); // on time: no limit to speak of
      expect(turns.state().limit).toBe(0);
      second(80, 0.5); // late, but the loop was mostly idle: a pause, not load
      expect(turns.state().limit).toBe(0);
      second(80);
      expect(turns.state().limit).toBe(90); // 90 % of the turns in progress
      let admitted = 0;
      for (let i = 0; i < 5; i++) {
        turns.enter().then(
          () => {
            admitted++;
          },
          () => {},
        );
      }
      for (const release of releases.slice(0, 10)) release();
      await settle(); // every admission already due has happened
      expect(admitted).toBe(0); // 90 still answered: the limit
      releases[10]!();
      await settle(); // every admission already due has happened
      expect(admitted).toBe(1);
      expect(turns.state()).toMatchObject({ active: 90, waiting: 4, limit: 90 });
      second(45);
      expect(turns.state().limit).toBe(81);
    });

    it('grows the limit again once the loop has room and turns are waiting, and admits them', async () => {
      const { turns, second } = adaptive();
      const releases = await Promise.all(Array.from({ length: 40 }, () => turns.enter()));
      second(70); // smoothed: 35 ms
      expect(turns.state().limit).toBe(36);
      for (const release of releases.slice(0, 4)) release();
      const waiting = Array.from({ length: 5 }, () => turns.enter());
      await settle(); // every admission already due has happened
      expect(turns.state()).toMatchObject({ active: 36, waiting: 5 });
      second(25); // smoothed 30 ms: not over the target, not under half of it: hold
      expect(turns.state()).toMatchObject({ limit: 36, waiting: 5 });
      second(0); // 15 ms
      expect(turns.state().limit).toBe(36);
      second(0); // 7.5 ms: room
      expect(turns.state().limit).toBe(40); // +10 %
      await Promise.all(waiting.slice(0, 4));
      expect(turns.state()).toMatchObject({ active: 40, waiting: 1 });
      waiting[4]!.catch(() => {});
    });

    it('does not cut turns for a loop that is late waiting for a CPU other programs hold', async () => {
      const { turns, second } = adaptive();
      await Promise.all(Array.from({ length: 100 }, () => turns.enter()));
      // Late and busy by the loop's account, but the thread ran a fifth of the second: a crowded
      // host, not our load. Cutting would only lengthen the line.
      for (let i = 0; i < 5; i++) second(120, 0.95, 0.2);
      expect(turns.state().limit).toBe(0);
      // The same loop computing most of the second is our load: fewer turns.
      second(120, 0.95, 0.9);
      expect(turns.state().limit).toBe(90);
    });

    it('grows a cut limit while the thread computes well under the busy share, however late the loop', async () => {
      const { turns, second } = adaptive();
      const releases = await Promise.all(Array.from({ length: 40 }, () => turns.enter()));
      second(120, 0.95, 0.9);
      expect(turns.state().limit).toBe(36);
      for (const release of releases.slice(0, 4)) release();
      const waiting = Array.from({ length: 5 }, () => turns.enter());
      second(120, 0.95, 0.7); // between the shares: hold
      expect(turns.state()).toMatchObject({ limit: 36, waiting: 5 });
      second(120, 0.95, 0.3); // still late, but not from our work: room
      expect(turns.state().limit).toBe(40);
      await Promise.all(waiting.slice(0, 4));
      expect(turns.state()).toMatchObject({ active: 40, waiting: 1 });
      waiting[4]!.catch(() => {});
    });

    it('never goes under its floor nor over the fixed ceiling, and relaxes when no one waits', async () => {
      const { turns, second } = adaptive({ maxActive: 50, minActive: 8 });
      await Promise.all(Array.from({ length: 10 }, () => turns.enter()));
      for (let i = 0; i < 10; i++) second(100);
      expect(turns.state().limit).toBe(8);
      for (let i = 0; i < 40; i++) second(2, 0.3);
      expect(turns.state().limit).toBe(50);
    });

    it("reads this thread's event loop delay, utilization and CPU share by default", async () => {
      const sampler = eventLoopSampler();
      sampler.sample(); // starts a fresh interval
      const from = performance.now();
      // The loop blocked four times in a row for 80 ms of this thread's CPU time (however long
      // the host takes to give it that): late, busy and computing.
      for (let i = 0; i < 4; i++) {
        const until = threadCpuMs()! + 80;
        while (threadCpuMs()! < until) {
          // busy
        }
        await sleep(1);
      }
      const intervalMs = performance.now() - from;
      const { delayMs, utilization, cpu } = sampler.sample();
      sampler.stop();
      expect(delayMs).toBeGreaterThanOrEqual(60);
      expect(utilization).toBeGreaterThan(0);
      // 320 ms of CPU in the interval, read in 10 ms ticks.
      expect(cpu! * intervalMs).toBeGreaterThanOrEqual(300);
      expect(cpu!).toBeLessThanOrEqual(1);
    });
  });
});
