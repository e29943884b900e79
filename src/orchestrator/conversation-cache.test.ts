import { describe, expect, it } from 'vitest';
import { ConversationCache } from './conversation-cache.js';
import { NO_MEMORY, RECENT_MESSAGES } from './conversation-memory.js';

const turn = (n: number) => ({ user: `question ${n}`, assistant: `answer ${n}` });

/** Finishes `count` turns of conversation c1 one after another, as a server would. */
function converse(cache: ConversationCache, count: number) {
  for (let n = 1; n <= count; n++) {
    const start = cache.get('t1', 'c1')?.memory ?? NO_MEMORY;
    cache.turnFinished('t1', 'c1', 'bot', { memory: start, version: cache.version('c1') }, turn(n), 'active');
  }
}

describe('ConversationCache', () => {
  it('remembers the latest messages of a conversation, within the recent window, for its tenant only', () => {
    const cache = new ConversationCache({ authoritative: true });
    converse(cache, 5);
    const found = cache.get('t1', 'c1');
    expect(found?.botId).toBe('bot');
    expect(found?.memory.recent).toHaveLength(RECENT_MESSAGES);
    expect(found?.memory.recent.at(-1)).toEqual({ role: 'assistant', content: 'answer 5' });
    expect(found?.memory.recent[0]).toEqual({ role: 'user', content: 'question 3' });
    expect(cache.get('t2', 'c1')).toBeUndefined();
  });

  it('answers for a shared database only while a turn is unstored', () => {
    const cache = new ConversationCache({ authoritative: false });
    converse(cache, 2);
    expect(cache.get('t1', 'c1')?.memory.recent).toHaveLength(4);
    cache.turnStored('c1');
    expect(cache.get('t1', 'c1')).toBeDefined();
    cache.turnStored('c1');
    expect(cache.get('t1', 'c1')).toBeUndefined();
  });

  it('drops a conversation whose turns finished out of order, or whose turn could not be stored', () => {
    const cache = new ConversationCache({ authoritative: true });
    converse(cache, 1);
    const start = { memory: cache.get('t1', 'c1')!.memory, version: cache.version('c1') };
    cache.turnFinished('t1', 'c1', 'bot', start, turn(2), 'active');
    // A turn that began from the same memory finishes second: which came first is the database's to say.
    cache.turnFinished('t1', 'c1', 'bot', start, turn(3), 'active');
    expect(cache.get('t1', 'c1')).toBeUndefined();

    converse(cache, 1);
    expect(cache.get('t1', 'c1')).toBeDefined();
    cache.forget('c1');
    expect(cache.get('t1', 'c1')).toBeUndefined();
  });

  it('carries a rewritten summary', () => {
    const cache = new ConversationCache({ authoritative: true });
    converse(cache, 1);
    cache.summaryChanged('c1', 'They asked about tides.');
    expect(cache.get('t1', 'c1')?.memory.summary).toBe('They asked about tides.');
  });
});
