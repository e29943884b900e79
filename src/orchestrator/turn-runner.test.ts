import { describe, expect, it, vi } from 'vitest';
import { ParleyError } from '../errors/index.js';
import { createMetrics, createTracing } from '../telemetry/index.js';
import type { TurnEvent } from './turn-events.js';
import { type PreparedTurn, TurnRunner, type TurnRunnerDeps } from './turn-runner.js';
import type { TurnRequest, TurnResult } from './turn-types.js';

const caller = { tenantId: 't1', keyId: 'k1', ip: '127.0.0.1' };

/** A prepared turn that answers `pieces`, then throws `breakWith` when given. */
function fakeTurn(pieces: string[], breakWith?: Error, stored: Promise<boolean> = Promise.resolve(true)) {
  const finished: { completed: boolean; costUsd: number }[] = [];
  let closed = false;
  const turn: PreparedTurn = {
    conversationId: 'c1',
    turnId: 'u1',
    bot: { id: 'parley' },
    async *tokens(signal?: AbortSignal) {
      try {
        for (const piece of pieces) {
          signal?.throwIfAborted();
          yield piece;
        }
        if (breakWith) throw breakWith;
      } finally {
        closed = true;
      }
    },
    async generateWhole() {
      if (breakWith) throw breakWith;
    },
    accounting: {
      model: 'openai:m',
      generated: true,
      tokens: { inputTokens: 10, outputTokens: 4 },
    },
    finish(outcome) {
      finished.push(outcome);
      return {
        conversation_id: 'c1',
        turn_id: 'u1',
        answer: pieces.join(''),
        citations: [],
        usage: {
          prompt_tokens: 10,
          completion_tokens: 4,
          total_tokens: 14,
          model: 'openai:m',
          cost_usd: outcome.costUsd,
        },
        mode: 'generated',
        bot: 'parley',
        finish_reason: 'stop',
      } satisfies TurnResult;
    },
    outcome: {
      mode: 'generated',
      model: 'openai:m',
      attempts: [],
      firstTokenMs: 1,
      tokens: { inputTokens: 10, outputTokens: 4 },
    },
    trace: undefined,
    startedAtEpoch: Date.now(),
    stored: () => stored,
  };
  return { turn, finished, isClosed: () => closed };
}

function runnerFor(turn: PreparedTurn, overrides: Partial<TurnRunnerDeps> = {}) {
  const released = vi.fn();
  const settleTurn = vi.fn(() => ({ costUsd: 0.25 }));
  const begin = vi.fn(async (_request: TurnRequest) => turn);
  const deps: TurnRunnerDeps = {
    chat: { begin },
    gateway: { admitTurn: vi.fn(async () => ({ preferCheapest: true })), settleTurn },
    gate: { enter: vi.fn(async () => released) },
    metrics: createMetrics(false),
    tracing: createTracing({ serviceName: 'test', enabled: false, otlpEndpoint: undefined }),
    ...overrides,
  };
  return { runner: new TurnRunner(deps), released, settleTurn, begin, deps };
}

async function collect(events: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const out: TurnEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('TurnRunner', () => {
  it('streams meta, tokens, citations and done, priced once by the gateway, and frees its place once', async () => {
    const { turn, finished } = fakeTurn(['Hello ', 'there.']);
    const { runner, released, settleTurn, begin } = runnerFor(turn);
    const running = await runner.start({ tenantId: 't1', message: 'hi' }, { caller, authMs: 2 });
    const events = await collect(running.events());
    expect(events.map((event) => event.type)).toEqual(['meta', 'token', 'token', 'citations', 'done']);
    const done = events.at(-1) as Extract<TurnEvent, { type: 'done' }>;
    expect(done.result.usage.cost_usd).toBe(0.25);
    expect(finished).toEqual([{ completed: true, costUsd: 0.25 }]);
    expect(settleTurn).toHaveBeenCalledTimes(1);
    expect(settleTurn).toHaveBeenCalledWith(
      caller,
      expect.objectContaining({ model: 'openai:m', generated: true }),
    );
    expect(released).toHaveBeenCalledTimes(1);
    // The admission's decision and the front end's timings reach the pipeline.
    expect(begin.mock.calls[0]![0]).toMatchObject({ preferCheapest: true, timings: { auth: 2 } });
  });

  it('acknowledges a turn (done, or the whole JSON answer) only once it is stored', async () => {
    let store!: (ok: boolean) => void;
    const storing = new Promise<boolean>((resolve) => {
      store = resolve;
    });
    const { turn } = fakeTurn(['Hello.'], undefined, storing);
    const { runner, released } = runnerFor(turn);
    const running = await runner.start({ tenantId: 't1', message: 'hi' }, { caller });
    const events = running.events();
    const seen: string[] = [];
    for (let index = 0; index < 3; index++) seen.push((await events.next()).value.type);
    expect(seen).toEqual(['meta', 'token', 'citations']);
    // The place among the turns answered at once is free while the write is under way.
    expect(released).toHaveBeenCalledTimes(1);
    let acknowledged = false;
    const done = events.next().then((result) => {
      acknowledged = true;
      return result;
    });
    await Promise.resolve();
    expect(acknowledged).toBe(false);
    store(true);
    expect((await done).value.type).toBe('done');

    const whole = fakeTurn(['Hi.'], undefined, new Promise<boolean>(() => {}));
    const { runner: late } = runnerFor(whole.turn, { ackWaitMs: 1 });
    const result = await (await late.start({ tenantId: 't1', message: 'hi' }, { caller })).complete();
    // A write that does not come within the wait: answered anyway (and counted).
    expect(result.answer).toBe('Hi.');
  });

  it('ends a stream that breaks off with an error event, settled as incomplete', async () => {
    const { turn, finished } = fakeTurn(['Half '], new Error('upstream cut'));
    const { runner, released } = runnerFor(turn);
    const running = await runner.start({ tenantId: 't1', message: 'hi' }, { caller });
    const events = await collect(running.events());
    expect(events.map((event) => event.type)).toEqual(['meta', 'token', 'error']);
    expect((events[2] as Extract<TurnEvent, { type: 'error' }>).aborted).toBe(false);
    expect(finished).toEqual([{ completed: false, costUsd: 0.25 }]);
    expect(released).toHaveBeenCalledTimes(1);
  });

  it('settles a turn whose reader leaves early, and closes the answer', async () => {
    const { turn, finished, isClosed } = fakeTurn(['a ', 'b ', 'c ']);
    const { runner, released } = runnerFor(turn);
    const running = await runner.start({ tenantId: 't1', message: 'hi' }, { caller });
    for await (const event of running.events()) if (event.type === 'token') break;
    expect(finished).toEqual([{ completed: false, costUsd: 0.25 }]);
    expect(released).toHaveBeenCalledTimes(1);
    expect(isClosed()).toBe(true);
  });

  it('answers whole for JSON, settled once even when asked twice', async () => {
    const { turn, finished } = fakeTurn(['All at once.']);
    const { runner, settleTurn } = runnerFor(turn);
    const running = await runner.start({ tenantId: 't1', message: 'hi' }, { caller });
    const result = await running.complete();
    running.abandon();
    expect(result.answer).toBe('All at once.');
    expect(finished).toHaveLength(1);
    expect(settleTurn).toHaveBeenCalledTimes(1);
  });

  it('frees its place and charges nothing when preparation fails', async () => {
    const { turn } = fakeTurn([]);
    const released = vi.fn();
    const settleTurn = vi.fn(() => ({ costUsd: 0 }));
    const { runner } = runnerFor(turn, {
      chat: {
        begin: async () => {
          throw new ParleyError('PARLEY_ERR_NOT_FOUND', 'conversation not found');
        },
      },
      gate: { enter: async () => released },
      gateway: { admitTurn: async () => ({ preferCheapest: false }), settleTurn },
    });
    await expect(runner.start({ tenantId: 't1', message: 'hi' }, { caller })).rejects.toThrow('not found');
    expect(released).toHaveBeenCalledTimes(1);
    expect(settleTurn).not.toHaveBeenCalled();
  });

  it('takes no place in line when the gateway refuses the turn', async () => {
    const { turn } = fakeTurn([]);
    const enter = vi.fn(async () => () => {});
    const { runner } = runnerFor(turn, {
      gate: { enter },
      gateway: {
        admitTurn: async () => {
          throw new ParleyError('PARLEY_ERR_BUDGET_EXCEEDED', 'over budget');
        },
        settleTurn: () => ({ costUsd: 0 }),
      },
    });
    await expect(runner.start({ tenantId: 't1', message: 'hi' }, { caller })).rejects.toThrow('over budget');
    expect(enter).not.toHaveBeenCalled();
  });
});
