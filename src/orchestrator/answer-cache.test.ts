import { describe, expect, it } from 'vitest';
import { AnswerCache, type CachedAnswer, normaliseQuestion } from './answer-cache.js';

const answer: CachedAnswer = {
  answer: 'The Moon [1].',
  citations: [],
  mode: 'generated',
  model: 'openai:small',
  costUsd: 0.001,
  turnId: 't1',
};

function cacheWith(generations: Map<string, number>, ttlMs = 60_000) {
  return new AnswerCache({ ttlMs, maxEntries: 10, generationOf: (tenant) => generations.get(tenant) });
}

describe('AnswerCache', () => {
  const question = { tenantId: 'a', botFingerprint: 'bot-1', message: 'What causes the tides?' };

  it('finds an answer kept under its lookup key, for the same question however it is spelled', () => {
    const cache = cacheWith(new Map([['a', 3]]));
    const miss = cache.lookup(question)!;
    expect(miss.hit).toBeUndefined();
    cache.store(miss.key, answer);
    expect(cache.lookup({ ...question, message: 'what  causes the TIDES' })?.hit).toEqual(answer);
  });

  it("misses once the tenant's knowledge, the bot or the tenant differs", () => {
    const generations = new Map([['a', 3]]);
    const cache = cacheWith(generations);
    cache.store(cache.lookup(question)!.key, answer);
    expect(cache.lookup({ ...question, botFingerprint: 'bot-2' })?.hit).toBeUndefined();
    expect(cache.lookup({ ...question, tenantId: 'b' })?.hit).toBeUndefined();
    generations.set('a', 4);
    expect(cache.lookup(question)?.hit).toBeUndefined();
  });

  it('keeps what a lookup before a change found under the old knowledge', () => {
    const generations = new Map([['a', 3]]);
    const cache = cacheWith(generations);
    const lookup = cache.lookup(question)!;
    generations.set('a', 4); // the documents changed while the turn was answered
    cache.store(lookup.key, answer);
    expect(cache.lookup(question)?.hit).toBeUndefined();
  });

  it('is off with no lifetime, and hands out frozen entries', () => {
    expect(cacheWith(new Map(), 0).lookup(question)).toBeUndefined();
    const cache = cacheWith(new Map());
    cache.store(cache.lookup(question)!.key, { ...answer, citations: [] });
    const hit = cache.lookup(question)!.hit!;
    expect(Object.isFrozen(hit)).toBe(true);
    expect(Object.isFrozen(hit.citations)).toBe(true);
  });

  it('normalises case, spacing and closing punctuation only', () => {
    expect(normaliseQuestion('  How do I  reset it?! ')).toBe('how do i reset it');
    expect(normaliseQuestion('Is 3.5 > 3?')).toBe('is 3.5 > 3');
    expect(normaliseQuestion('reset it')).not.toBe(normaliseQuestion('reset them'));
  });
});
