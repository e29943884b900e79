import { describe, expect, it } from 'vitest';
import { countTokens, type RetrievedChunk } from '../knowledge/index.js';
import { planContext } from './context-budget.js';

const passage = (id: number, words: number): RetrievedChunk => {
  const text = Array.from({ length: words }, (_, index) => `word${index}`).join(' ');
  return {
    chunkId: id,
    documentId: `d${id}`,
    title: `T${id}`,
    source: null,
    headingPath: '',
    text,
    tokenCount: countTokens(text),
    score: 1,
    signals: {},
  };
};
const message = (role: 'user' | 'assistant', words: number) => ({
  role,
  content: Array.from({ length: words }, (_, index) => `w${index}`).join(' '),
});

describe('planContext', () => {
  it('keeps everything that fits and reports the tokens used', () => {
    const plan = planContext({
      system: 'Be helpful.',
      question: 'What is it?',
      passages: [passage(1, 20), passage(2, 20)],
      history: [message('user', 5), message('assistant', 5)],
      budget: { total: 4000, passageShare: 0.6 },
    });
    expect(plan.passages.map((p) => p.chunkId)).toEqual([1, 2]);
    expect(plan.history).toHaveLength(2);
    expect(plan.dropped).toEqual([]);
    expect(plan.tokens.passages).toBeGreaterThan(0);
  });

  it('drops passages beyond their share, in rank order, and records them', () => {
    const plan = planContext({
      system: 's',
      question: 'q',
      passages: [passage(1, 100), passage(2, 100), passage(3, 100)],
      history: [],
      budget: { total: 700, passageShare: 0.6 },
    });
    expect(plan.passages.map((p) => p.chunkId)).toEqual([1]);
    expect(plan.dropped.map((d) => [d.kind, d.ref])).toEqual([
      ['passage', 2],
      ['passage', 3],
    ]);
  });

  it('keeps the newest messages and drops older ones contiguously', () => {
    const plan = planContext({
      system: 's',
      question: 'q',
      passages: [],
      history: [message('user', 300), message('assistant', 10), message('user', 10)],
      budget: { total: 200, passageShare: 0.5 },
    });
    expect(plan.history.map((m) => m.content.split(' ').length)).toEqual([10, 10]);
    expect(plan.dropped).toEqual([expect.objectContaining({ kind: 'message', ref: 0 })]);
  });
});

describe('extractiveSummary', () => {
  it('adds one line per message and keeps the newest lines within its size', async () => {
    const { extractiveSummary } = await import('./conversation-memory.js');
    const summary = extractiveSummary('User: earlier question about tides.', [
      { role: 'user', content: 'How do plugins work? Tell me everything.' },
      { role: 'assistant', content: 'Plugins encapsulate routes. More detail follows here.' },
      { role: 'user', content: 'ok' },
    ]);
    expect(summary.split('\n')).toEqual([
      'User: earlier question about tides.',
      'User: How do plugins work?',
      'Assistant: Plugins encapsulate routes.',
    ]);
    const long = extractiveSummary(
      null,
      Array.from({ length: 50 }, (_, index) => ({
        role: 'user',
        content: `Question number ${index} is long enough ${'x'.repeat(40)}.`,
      })),
    );
    expect(long.length).toBeLessThanOrEqual(1500);
    expect(long).toContain('Question number 49');
    expect(long).not.toContain('Question number 0 ');
  });

  it('gives memories a share of their own before passages, and lists those left out', () => {
    const plan = planContext({
      system: 'Be helpful.',
      question: 'What is it?',
      passages: [passage(1, 20)],
      history: [],
      memories: ['Prefers answers in French.', 'x '.repeat(200), 'Is on the Team plan.'],
      budget: { total: 1000, passageShare: 0.6, memoryShare: 0.1 },
    });
    // The long one does not fit its share; the next still does (memories are not a history).
    expect(plan.memories).toEqual(['Prefers answers in French.', 'Is on the Team plan.']);
    expect(plan.dropped).toEqual([{ kind: 'memory', ref: 1, tokens: expect.any(Number) }]);
    expect(plan.tokens.memories).toBeGreaterThan(0);
    expect(plan.tokens.memories).toBeLessThanOrEqual(100);
    expect(plan.passages.map((p) => p.chunkId)).toEqual([1]);
  });

  it('sends no memory when there are none', () => {
    const plan = planContext({
      system: 'Be helpful.',
      question: 'What is it?',
      passages: [],
      history: [],
      budget: { total: 1000, passageShare: 0.6 },
    });
    expect(plan.memories).toEqual([]);
    expect(plan.tokens.memories).toBe(0);
  });
});
