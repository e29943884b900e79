import { describe, expect, it } from 'vitest';
import { AnswerCache, type CachedAnswer, normaliseQuestion } from './answer-cache.js';

const answer: CachedAnswer = {
  answer: 'The Moon [1].',
  citations: [],
  mode: 'generated',
  model: 'openai:small',
  costUsd: 0.001,
  turnId: 't1',
  conversationId: 'c1',
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

describe('AnswerCache, semantic', () => {
  /** Vectors by question: what an embedding model would place where. */
  const vectors: Record<string, number[]> = {
    'What causes the tides?': [1, 0, 0],
    'what is the cause of tides': [0.98, 0.2, 0],
    'why do oceans rise and fall': [0.7, 0.7, 0],
    'how do I enable dark mode': [0, 0, 1],
    'how do I disable dark mode': [0, 0.05, 1],
  };
  const embedded: string[] = [];
  const embedder = {
    async embed(texts: string[]) {
      embedded.push(...texts);
      return texts.map((text) => {
        const vector = vectors[text];
        if (!vector) throw new Error(`no vector for ${text}`);
        return vector;
      });
    },
  };
  const generations = new Map([['a', 1]]);
  const semanticCache = (similarity = 0.95) =>
    new AnswerCache({
      ttlMs: 60_000,
      maxEntries: 10,
      generationOf: (tenant) => generations.get(tenant),
      embedder,
      similarity,
    });
  const ask = (message: string, botFingerprint = 'bot-1') => ({ tenantId: 'a', botFingerprint, message });

  /** Asks `message`, and keeps `answer` for it on a miss, as a turn does. */
  async function answerOnce(cache: AnswerCache, message: string) {
    const miss = cache.lookup(ask(message))!;
    expect(await cache.similar(ask(message), miss)).toBeUndefined();
    cache.store(miss.key, answer);
  }

  it('answers a question close enough to one answered before, with its similarity', async () => {
    const cache = semanticCache();
    await answerOnce(cache, 'What causes the tides?');
    const question = ask('what is the cause of tides');
    const miss = cache.lookup(question)!;
    expect(miss.hit).toBeUndefined();
    const found = await cache.similar(question, miss);
    expect(found).toMatchObject({ hit: answer, kind: 'semantic', key: miss.key });
    expect(found?.similarity).toBeGreaterThan(0.95);
    // Not close enough for the server's threshold, unless the bot asks for less.
    const far = ask('why do oceans rise and fall');
    expect(await cache.similar(far, cache.lookup(far)!)).toBeUndefined();
    expect((await cache.similar(far, cache.lookup(far)!, 0.7))?.hit).toEqual(answer);
    expect(cache.lookup(ask('What causes the tides?'))).toMatchObject({ hit: answer, kind: 'exact' });
  });

  it("forgets a removed conversation's answers and their questions, and no other's", async () => {
    const cache = semanticCache();
    await answerOnce(cache, 'What causes the tides?');
    const other = ask('how do I enable dark mode');
    const otherMiss = cache.lookup(other)!;
    await cache.similar(other, otherMiss);
    cache.store(otherMiss.key, { ...answer, conversationId: 'c2' });
    cache.forgetConversation('c1');
    expect(cache.lookup(ask('What causes the tides?'))?.hit).toBeUndefined();
    // Its question is gone from the semantic side too: a close question finds nothing.
    const close = ask('what is the cause of tides');
    expect(await cache.similar(close, cache.lookup(close)!)).toBeUndefined();
    expect(cache.lookup(other)?.hit?.conversationId).toBe('c2');
  });

  it('does not answer "disable" with the answer to "enable", however close their vectors', async () => {
    const cache = semanticCache(0.9);
    await answerOnce(cache, 'how do I enable dark mode');
    const opposite = ask('how do I disable dark mode');
    expect(await cache.similar(opposite, cache.lookup(opposite)!)).toBeUndefined();
  });

  it('finds only answers of the same bot and knowledge, and only answers that were kept', async () => {
    const cache = semanticCache();
    const unanswered = ask('What causes the tides?');
    await cache.similar(unanswered, cache.lookup(unanswered)!); // a turn that kept nothing
    const question = ask('what is the cause of tides');
    expect(await cache.similar(question, cache.lookup(question)!)).toBeUndefined();
    await answerOnce(cache, 'What causes the tides?');
    const otherBot = ask('what is the cause of tides', 'bot-2');
    expect(await cache.similar(otherBot, cache.lookup(otherBot)!)).toBeUndefined();
    generations.set('a', 2);
    try {
      expect(await cache.similar(question, cache.lookup(question)!)).toBeUndefined();
    } finally {
      generations.set('a', 1);
    }
  });

  it('is exact only without an embedder or a threshold, and misses when embedding fails', async () => {
    const question = ask('what is the cause of tides');
    const before = embedded.length;
    const off = semanticCache(0);
    expect(await off.similar(question, off.lookup(question)!)).toBeUndefined();
    const exact = cacheWith(new Map());
    expect(await exact.similar(question, exact.lookup(question)!)).toBeUndefined();
    expect(embedded.length).toBe(before);
    const cache = semanticCache();
    const unknown = ask('a question with no vector');
    expect(await cache.similar(unknown, cache.lookup(unknown)!)).toBeUndefined();
  });
});
