import { describe, expect, it } from 'vitest';
import { routerOf, type Script, scriptedModel, turnPlan } from '../../test/support/turn-plan.js';
import { turnStore } from '../../test/support/turn-store.js';
import { Turn } from './turn.js';

function turnWith(...scripts: [string, Script][]) {
  const { deps, saved } = turnStore();
  // Begun now, on this process's clock: its first token comes after it (the fixture's fixed
  // start may lie ahead of a process that started less than a second ago).
  const plan = {
    ...turnPlan({ router: routerOf(scripts.map(([id, script]) => scriptedModel(id, script))) }),
    startedAt: performance.now(),
  };
  return { turn: new Turn({ ...deps, retriever: { name: 'hybrid' } }, plan), deps, saved };
}

async function stream(turn: Turn): Promise<string[]> {
  const pieces: string[] = [];
  for await (const piece of turn.tokens()) pieces.push(piece);
  return pieces;
}

describe('Turn', () => {
  it("streams the model's answer, then finishes into the result, the trace and the stored turn", async () => {
    const { turn, deps, saved } = turnWith(['openai:small', { pieces: ['Refunds take ', '14 days [1].'] }]);
    expect((await stream(turn)).join('')).toBe('Refunds take 14 days [1].');
    expect(turn.accounting).toEqual({
      model: 'openai:small',
      generated: true,
      tokens: { inputTokens: 12, outputTokens: 5 },
    });
    expect(turn.trace).toBeUndefined();
    const result = turn.finish({ completed: true, costUsd: 0.001 });
    expect(result).toMatchObject({
      answer: 'Refunds take 14 days [1].',
      mode: 'generated',
      model: 'openai:small',
    });
    expect(result.citations).toMatchObject([{ chunk_id: 1 }]);
    expect(turn.trace).toMatchObject({
      completed: true,
      model: 'openai:small',
      routing: { route: 'default' },
    });
    expect(turn.outcome).toMatchObject({
      mode: 'generated',
      model: 'openai:small',
      attempts: [{ outcome: 'answered' }],
    });
    expect(turn.outcome.firstTokenMs).toBeGreaterThan(0);
    // Finishing again returns the same result and stores nothing more.
    expect(turn.finish({ completed: true, costUsd: 0.001 })).toEqual(result);
    await deps.tasks.drain();
    expect(saved).toHaveLength(1);
    expect(saved[0]?.trace).toBe(turn.trace);
  });

  it('throws when the stream breaks off mid-answer, and finishes incomplete with the error', async () => {
    const { turn } = turnWith(['openai:small', { pieces: ['Refunds '], breakWith: 'stream cut' }]);
    await expect(stream(turn)).rejects.toThrow('stream cut');
    const result = turn.finish({ completed: true, costUsd: 0 });
    expect(result.answer).toBe('Refunds ');
    expect(turn.trace).toMatchObject({ completed: false, error: expect.stringMatching('stream cut') });
  });

  it('generates a whole answer afresh with the next model when one breaks off mid-answer', async () => {
    const { turn } = turnWith(
      ['openai:small', { pieces: ['Four'], breakWith: 'stream cut' }],
      ['openai:big', { pieces: ['Fourteen days [1].'] }],
    );
    await turn.generateWhole();
    const result = turn.finish({ completed: true, costUsd: 0 });
    expect(result).toMatchObject({ answer: 'Fourteen days [1].', mode: 'generated', model: 'openai:big' });
    expect(turn.trace).toMatchObject({
      completed: true,
      error: null,
      attempts: [
        { model: 'openai:small', outcome: 'failed', error: expect.stringMatching('stream cut') },
        { model: 'openai:big', outcome: 'answered' },
      ],
    });
  });

  it('answers a whole answer extractively, labelled degraded, when no model answers', async () => {
    const { turn } = turnWith(['openai:small', { failWith: 'HTTP 500' }]);
    await turn.generateWhole();
    const result = turn.finish({ completed: true, costUsd: 0 });
    expect(result).toMatchObject({ mode: 'degraded', usage: { model: 'extractive' } });
    expect(result.answer).not.toBe('');
    expect(turn.trace).toMatchObject({ attempts: [{ model: 'openai:small', outcome: 'failed' }] });
  });
});
