import { describe, expect, it } from 'vitest';
import { turnPlan } from '../../test/support/turn-plan.js';
import { turnStore as store, type TurnStore } from '../../test/support/turn-store.js';
import { RECENT_MESSAGES } from './conversation-memory.js';
import { persistTurn } from './persist-turn.js';
import type { TurnPlan } from './turn-plan.js';
import { startRecord, turnResult } from './turn-recorder.js';
import { turnTrace } from './turn-trace.js';

function persist(deps: TurnStore['deps'], plan: TurnPlan) {
  const state = { ...startRecord(plan), answer: 'Fourteen days.' };
  const outcome = { completed: true, costUsd: 0 };
  const result = turnResult(plan, state, outcome);
  const trace = turnTrace(plan, state, outcome, { retriever: 'hybrid', relevance: 1, finishedAt: 1100 });
  persistTurn(deps, plan, result, trace);
  return { result, trace };
}

describe('persistTurn', () => {
  it('remembers a new conversation at once, stores its first turn in the background, then releases it', async () => {
    const { deps, saved, queries, released } = store();
    const { result, trace } = persist(deps, turnPlan());
    expect(deps.conversations.get('tenant-1', 'conversation-1')?.memory.recent).toEqual([
      { role: 'user', content: 'How long do refunds take?' },
      { role: 'assistant', content: 'Fourteen days.' },
    ]);
    await deps.tasks.drain();
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({
      tenantId: 'tenant-1',
      botId: 'support',
      conversationId: 'conversation-1',
      turnId: 'turn-1',
      user: { content: 'How long do refunds take?', at: new Date('2026-01-01T00:00:00Z') },
      assistant: { content: 'Fourteen days.', citations: [], usage: result.usage },
      trace,
    });
    // A first turn has nothing older to fold into a summary.
    expect(queries).toEqual([]);
    expect(released).toEqual(['conversation-1']);
  });

  it("checks a continued conversation's summary once its turn is stored, when older messages may wait", async () => {
    const { deps, saved, queries } = store();
    const plan = turnPlan({ conversationId: 'conversation-1' });
    // A full recent window: the conversation may hold older messages to fold in.
    const recent = Array.from({ length: RECENT_MESSAGES }, (_, index) => ({
      role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: `message ${index}`,
    }));
    persist(deps, { ...plan, start: { ...plan.start, memory: { ...plan.start.memory, recent } } });
    await deps.tasks.drain();
    expect(saved).toHaveLength(1);
    expect(queries).toHaveLength(1);
  });

  it('asks the database nothing after a turn of a conversation still inside the recent window', async () => {
    const { deps, saved, queries } = store();
    persist(deps, turnPlan({ conversationId: 'conversation-1' }));
    await deps.tasks.drain();
    expect(saved).toHaveLength(1);
    expect(queries).toEqual([]);
  });

  it('forgets the conversation when its turn cannot be stored, and still releases it', async () => {
    const { deps, saved, released } = store({ fail: true });
    persist(deps, turnPlan());
    await deps.tasks.drain();
    expect(saved).toEqual([]);
    expect(deps.conversations.get('tenant-1', 'conversation-1')).toBeUndefined();
    expect(released).toEqual(['conversation-1']);
  });

  it('keeps no memory for a client that sends the history itself', async () => {
    const { deps, saved } = store();
    persist(deps, turnPlan({ history: true }));
    expect(deps.conversations.get('tenant-1', 'conversation-1')).toBeUndefined();
    await deps.tasks.drain();
    expect(saved).toHaveLength(1);
  });
});
