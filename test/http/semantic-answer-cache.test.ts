// The semantic answer cache, with PARLEY_EMBEDDINGS set: a question worded differently from one
// answered before, but close enough by its embedding, gets that answer (mode `cached`, the trace's
// `answer_cache.kind` semantic), with the one query embedding retrieval asks for and no model call;
// a question of opposite meaning ("disable" after "enable") is answered afresh however close.
import { describe, expect, it } from 'vitest';
import { useChatFixture } from '../support/chat-fixture.js';
import { TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { metricValue } from '../support/metrics.js';
import { hashedEmbedding } from '../support/stub-provider/index.js';
import { eventually } from '../support/test-backend.js';

interface ChatBody {
  answer: string;
  mode: string;
  turn_id: string;
  citations: { title: string }[];
}

interface CacheTrace {
  answer_cache: null | { hit: boolean; kind?: string; similarity?: number; source_turn_id?: string };
}

const cosine = (a: string, b: string) => {
  const [x, y] = [hashedEmbedding(a), hashedEmbedding(b)];
  return x.reduce((sum, value, index) => sum + value * (y[index] ?? 0), 0);
};

describe('semantic answer cache', () => {
  const t = useChatFixture({
    models: 'openai:small-model',
    env: {
      PARLEY_EMBEDDINGS: 'openai:text-embedding-3-small',
      PARLEY_ANSWER_CACHE_SECONDS: '3600',
      PARLEY_RETRIEVAL_CACHE_SECONDS: '0',
    },
    documents: [TIDES],
    reply: 'The Moon pulls on the oceans [1].',
  });
  // Answering calls (a message the classifier is unsure of also gets a structured understand call).
  const modelCalls = () => t.stub.requests.filter((request) => request.prompt && !request.prompt.json).length;
  const embeddingCalls = () => t.stub.requests.filter((request) => request.path === '/v1/embeddings').length;
  const traceOf = (turnId: string) =>
    eventually(async () => {
      const trace = await call<CacheTrace>(t.app, { method: 'GET', url: `/v1/turns/${turnId}/trace` });
      return trace.status === 200 ? trace.body : undefined;
    });
  const embedded = async () => {
    t.server.runtime.embeddings?.poke();
    await eventually(async () => ((await t.server.runtime.embeddings?.pending()) === 0 ? true : undefined));
    await t.server.runtime.keywordIndex.warm(t.tenantId);
  };

  it('answers a reworded question from the cache, with one query embedding and no model call', async () => {
    await embedded();
    const first = await t.chat<ChatBody>({ message: 'What causes the tides in the oceans?' });
    expect(first.body.mode).toBe('generated');
    const [models, embeddings] = [modelCalls(), embeddingCalls()];
    const hitsBefore = await metricValue(t.app, 'parley_answer_cache_requests_total', {
      result: 'semantic_hit',
    });

    // The same words in another order: a miss for the exact key, the same bag of words for the stub.
    const reworded = await t.chat<ChatBody>({ message: 'In the oceans, what causes the tides?' });
    expect(reworded.body).toMatchObject({
      mode: 'cached',
      answer: first.body.answer,
      citations: first.body.citations,
    });
    expect(modelCalls()).toBe(models);
    // One embedding of the question, shared by vector search and the cache.
    expect(embeddingCalls()).toBe(embeddings + 1);
    const trace = await traceOf(reworded.body.turn_id);
    expect(trace.answer_cache).toMatchObject({
      hit: true,
      kind: 'semantic',
      source_turn_id: first.body.turn_id,
    });
    expect(trace.answer_cache?.similarity).toBeGreaterThanOrEqual(0.95);
    await eventually(async () =>
      (await metricValue(t.app, 'parley_answer_cache_requests_total', { result: 'semantic_hit' })) ===
      hitsBefore + 1
        ? true
        : undefined,
    );
  });

  it('answers "disable" afresh after "enable", though their embeddings are close enough', async () => {
    const enable = 'how do I enable the tide alerts in the ocean app settings page';
    const disable = 'how do I disable the tide alerts in the ocean app settings page';
    expect(cosine(enable, disable)).toBeGreaterThanOrEqual(0.85);
    const lowered = await call(t.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      payload: { settings: { answer_cache_similarity: 0.85 } },
    });
    expect(lowered.status).toBe(200);
    try {
      expect((await t.chat<ChatBody>({ message: enable })).body.mode).toBe('generated');
      // A rewording of the same question does hit at this threshold...
      const again = await t.chat<ChatBody>({ message: `${enable} please` });
      expect(again.body.mode).toBe('cached');
      // ...the opposite question does not.
      const models = modelCalls();
      const opposite = await t.chat<ChatBody>({ message: disable });
      expect(opposite.body.mode).toBe('generated');
      expect(modelCalls()).toBe(models + 1);
      expect((await traceOf(opposite.body.turn_id)).answer_cache).toEqual({ hit: false });
    } finally {
      await call(t.app, {
        method: 'PATCH',
        url: '/v1/bots/parley',
        payload: { settings: { answer_cache_similarity: null } },
      });
    }
  });

  it('rejects a bot threshold below 0.8 with a clear 400', async () => {
    const bad = await call<{ error: { message: string } }>(t.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      payload: { settings: { answer_cache_similarity: 0.5 } },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/answer_cache_similarity/);
  });
});
