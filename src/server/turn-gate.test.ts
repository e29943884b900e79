import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isParleyError } from '../errors/index.js';
import { TurnGate } from './turn-gate.js';

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
    await sleep(10);
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
    await sleep(10);
    expect(turns.state()).toEqual({ active: 2, waiting: 1, limit: 0, pendingWrites: 1 });
    // A turn ends, having left its write behind: still full.
    pending = 2;
    releases[0]!();
    await sleep(10);
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
});
