// PARLEY_MAX_ACTIVE_TURNS: a turn waits in line for a place; none in time, a 503 with Retry-After.
// PARLEY_MAX_PENDING_WRITES: while the database cannot store turns, new ones wait in the same line.
// The turn holding the place is held at the stub (and the writes by a table lock) for exactly as
// long as the test needs, so no outcome depends on how fast the machine is.
import { describe, expect, it } from 'vitest';
import { type ChatFixture, useChatFixture } from '../support/chat-fixture.js';
import { eventually, lockTable } from '../support/test-backend.js';

const gated = (kind: 'pglite' | 'postgres', env: Record<string, string>) =>
  useChatFixture({ kind, models: 'openai:small-model', env });

const ask = (t: ChatFixture, message: string) => t.chat<{ turn_id: string }>({ message });
const waitingInLine = (t: ChatFixture, count: number) =>
  eventually(async () => (t.server.runtime.turnGate.state().waiting === count ? true : undefined));

describe('a bound on turns answered at once (PARLEY_MAX_ACTIVE_TURNS)', () => {
  describe('with time to wait for a place', () => {
    const t = gated('pglite', { PARLEY_MAX_ACTIVE_TURNS: '1', PARLEY_TURN_QUEUE_SECONDS: '60' });

    it('lets a turn wait for a place, and answers it once the turn before it ends', async () => {
      const held = t.stub.holdNext(1, { path: '/v1/chat/completions' });
      const first = ask(t, 'What causes the tides?');
      await t.stub.waitForRequests(t.stub.requests.length + 1);
      const second = ask(t, 'Does the Moon cause the tides?');
      await waitingInLine(t, 1);
      held.release();
      const [one, two] = await Promise.all([first, second]);
      expect([one.status, two.status]).toEqual([200, 200]);
      expect(t.stub.maxConcurrentRequests).toBe(1);
      const waited = await eventually(async () => {
        const rows = await t.server.runtime.db.query<{ turn_id: string; queue: number }>(
          `select turn_id, (trace->'timings_ms'->>'queue')::float as queue from turn_traces where turn_id = any($1)`,
          [[one.body.turn_id, two.body.turn_id]],
        );
        return rows.length === 2 ? rows : undefined;
      });
      // The second turn's trace shows the time it spent in line, which the first did not.
      const queueOf = (turnId: string) => waited.find((row) => row.turn_id === turnId)!.queue;
      expect(queueOf(two.body.turn_id)).toBeGreaterThan(queueOf(one.body.turn_id));
    });
  });

  describe('without a place freeing up in time', () => {
    const t = gated('pglite', { PARLEY_MAX_ACTIVE_TURNS: '1', PARLEY_TURN_QUEUE_SECONDS: '1' });

    it('answers 503 with Retry-After when no place frees up in time', async () => {
      const held = t.stub.holdNext(1, { path: '/v1/chat/completions' });
      const slow = ask(t, 'What causes the tides?');
      await t.stub.waitForRequests(t.stub.requests.length + 1);
      const refused = await ask(t, 'Does the Moon cause the tides?');
      held.release();
      expect((await slow).status).toBe(200);
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.body).toMatchObject({ error: { code: 'PARLEY_ERR_OVERLOADED' } });
    });
  });
});

describe('a bound on writes left behind (PARLEY_MAX_PENDING_WRITES)', () => {
  /** Turns answered while the messages table is locked by another session: all stay unstored. */
  const storedTurns = async (t: ChatFixture) => {
    await eventually(async () => (t.server.runtime.tasks.size === 0 ? true : undefined));
    const [{ turns }] = (await t.server.runtime.db.query<{ turns: number }>(
      'select count(*)::int as turns from turn_traces',
    )) as [{ turns: number }];
    return turns;
  };

  describe('with a short wait in line', () => {
    const t = gated('postgres', { PARLEY_MAX_PENDING_WRITES: '3', PARLEY_TURN_QUEUE_SECONDS: '2' });

    it('holds new turns while turns cannot be stored, then answers 503, and loses nothing', async () => {
      // Another session holds the messages table: every finished turn stays in memory, unstored.
      const unlock = await lockTable(t.server, 'messages', 'exclusive');
      const statuses: number[] = [];
      try {
        for (let i = 0; i < 6 && !statuses.includes(503); i++) {
          statuses.push((await ask(t, 'What causes the tides?')).status);
        }
        // The first turns are answered; then the bound is reached and a turn waits, then gets 503.
        expect(statuses.slice(0, 2)).toEqual([200, 200]);
        expect(statuses.at(-1)).toBe(503);
        expect(t.server.runtime.tasks.writes).toBeLessThanOrEqual(3);
        expect(t.server.runtime.turnGate.state()).toMatchObject({ active: 0, waiting: 0 });
      } finally {
        await unlock();
      }
      // Nothing was lost: every answered turn is stored.
      expect(await storedTurns(t)).toBe(statuses.filter((status) => status === 200).length);
    });
  });

  describe('with time to wait in line', () => {
    const t = gated('postgres', { PARLEY_MAX_PENDING_WRITES: '3', PARLEY_TURN_QUEUE_SECONDS: '60' });

    it('answers a turn waiting in line as soon as the database catches up', async () => {
      const unlock = await lockTable(t.server, 'messages', 'exclusive');
      const statuses: number[] = [];
      let waiting: ReturnType<typeof ask> | undefined;
      try {
        // Turns are answered until the bound is reached; the next one waits in line.
        for (let i = 0; i < 6 && !waiting; i++) {
          let answered = false;
          const turn = ask(t, 'What causes the tides?').finally(() => {
            answered = true;
          });
          await eventually(async () =>
            answered || t.server.runtime.turnGate.state().waiting === 1 ? true : undefined,
          );
          if (answered) statuses.push((await turn).status);
          else waiting = turn;
        }
        expect(statuses.length).toBeGreaterThanOrEqual(2);
        expect(statuses.every((status) => status === 200)).toBe(true);
        expect(waiting).toBeDefined();
        await unlock();
        expect((await waiting!).status).toBe(200);
      } finally {
        await unlock();
      }
      expect(await storedTurns(t)).toBe(statuses.length + 1);
    });
  });
});
