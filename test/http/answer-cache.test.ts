// The answer cache: a question asked again of the same bot, over the same knowledge, is answered
// with the answer it got before (no retrieval, no model call), streamed or whole; a document
// change, a follow-up in a conversation or a bot that opts out is answered afresh.
import { describe, expect, it } from 'vitest';
import { useChatFixture } from '../support/chat-fixture.js';
import { QUESTION } from '../support/documents.js';
import { call, parseSse } from '../support/http.js';
import { eventually } from '../support/test-backend.js';

interface ChatBody {
  answer: string;
  mode: string;
  conversation_id: string;
  turn_id: string;
  citations: { title: string }[];
  usage: { cost_usd: number; model: string };
}

interface CacheTrace {
  answer_cache: null | { hit: boolean; source_turn_id?: string; source_mode?: string };
  retrieved: unknown[];
}

describe('answer cache', () => {
  const t = useChatFixture({
    models: 'openai:small-model',
    env: { PARLEY_ANSWER_CACHE_SECONDS: '3600' },
    reply: 'The Moon pulls on the oceans [1].',
  });
  const app = () => t.app;
  // Answering calls (a message the classifier is unsure of also gets a structured understand call).
  const modelCalls = () => t.stub.requests.filter((request) => request.prompt && !request.prompt.json).length;
  const traceOf = (turnId: string) =>
    eventually(async () => {
      const trace = await call<CacheTrace>(app(), { method: 'GET', url: `/v1/turns/${turnId}/trace` });
      return trace.status === 200 ? trace.body : undefined;
    });
  const settle = () => eventually(async () => (t.server.runtime.tasks.size === 0 ? true : undefined));

  it('answers a question asked again from the cache, with no model call, whole or streamed', async () => {
    // The documents stored at start are in the keyword index's copy (its generation is in the key).
    await t.server.runtime.keywordIndex.warm(t.tenantId);
    const first = await t.chat<ChatBody>({ message: QUESTION });
    expect(first.body.mode).toBe('generated');
    const calls = modelCalls();

    // Case, spacing and the closing question mark do not matter.
    const again = await t.chat<ChatBody>({ message: '  what causes the TIDES ' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      mode: 'cached',
      answer: first.body.answer,
      citations: first.body.citations,
    });
    expect(again.body.usage).toMatchObject({ cost_usd: 0, model: 'cache' });
    expect(again.body.conversation_id).not.toBe(first.body.conversation_id);

    const streamed = await call(app(), {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: QUESTION, stream: true },
    });
    const events = parseSse(streamed.raw);
    const text = events
      .filter((event) => event.event === 'token')
      .map((event) => (event.data as { text: string }).text)
      .join('');
    expect(text).toBe(first.body.answer);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { mode: 'cached' } });
    expect(modelCalls()).toBe(calls);

    const trace = await traceOf(again.body.turn_id);
    expect(trace.answer_cache).toEqual({
      hit: true,
      kind: 'exact',
      source_turn_id: first.body.turn_id,
      source_mode: 'generated',
      source_model: 'openai:small-model',
      saved_usd: first.body.usage.cost_usd,
    });
    expect(trace.retrieved).toEqual([]);
    expect((await traceOf(first.body.turn_id)).answer_cache).toEqual({ hit: false });

    await settle();
    const usage = await call<{ totals: { answer_cache_hits: number; turns: number } }>(app(), {
      method: 'GET',
      url: '/v1/usage',
    });
    expect(usage.body.totals.answer_cache_hits).toBe(2);
  });

  it('answers afresh once the documents changed', async () => {
    const question = 'Do the tides depend on the Sun?';
    await t.chat<ChatBody>({ message: question });
    expect((await t.chat<ChatBody>({ message: question })).body.mode).toBe('cached');
    const upload = await call<{ job_id: string }>(app(), {
      method: 'POST',
      url: '/v1/documents',
      payload: {
        title: 'Sun and tides',
        text: '# Sun and tides\n\nThe Sun raises tides too, about half as high.',
      },
    });
    expect(upload.status).toBe(202);
    await eventually(async () => {
      const job = await call<{ status: string }>(app(), {
        method: 'GET',
        url: `/v1/jobs/${upload.body.job_id}`,
      });
      return job.body.status === 'succeeded' ? true : undefined;
    }, 45_000);
    const calls = modelCalls();
    const after = await t.chat<ChatBody>({ message: question });
    expect(after.body.mode).toBe('generated');
    expect(modelCalls()).toBe(calls + 1);
  });

  it('never answers a turn of a conversation from the cache', async () => {
    const first = await t.chat<ChatBody>({ message: 'Why are there tides?' });
    const calls = modelCalls();
    const followUp = await t.chat<ChatBody>({
      message: 'Why are there tides?',
      conversation_id: first.body.conversation_id,
    });
    expect(followUp.body.mode).toBe('generated');
    expect(modelCalls()).toBe(calls + 1);
    expect((await traceOf(followUp.body.turn_id)).answer_cache).toBeNull();
  });

  it("answers afresh once the answer's turn or conversation is deleted (Regenerate, erasure)", async () => {
    await t.server.runtime.keywordIndex.warm(t.tenantId);
    const message = 'Which body pulls on the oceans?';
    const first = await t.chat<ChatBody>({ message });
    expect(first.body.mode).toBe('generated');
    await settle();
    expect((await t.chat<ChatBody>({ message })).body.mode).toBe('cached');

    // Regenerate: the turn is deleted, and the question asked again gets a new answer.
    const { conversation_id: id, turn_id: turnId } = first.body;
    const removed = await call(app(), { method: 'DELETE', url: `/v1/conversations/${id}/turns/${turnId}` });
    expect(removed.status).toBe(204);
    const regenerated = await t.chat<ChatBody>({ message });
    expect(regenerated.body.mode).toBe('generated');
    await settle();

    // A deleted conversation takes the answers its turns left in the cache with it.
    expect((await t.chat<ChatBody>({ message })).body.mode).toBe('cached');
    const deleted = await call(app(), {
      method: 'DELETE',
      url: `/v1/conversations/${regenerated.body.conversation_id}`,
    });
    expect(deleted.status).toBe(204);
    expect((await t.chat<ChatBody>({ message })).body.mode).toBe('generated');
  });

  it('answers every asking afresh for a bot that opts out', async () => {
    const changed = await call(app(), {
      method: 'PATCH',
      url: '/v1/bots/parley',
      payload: { settings: { answer_cache: false } },
    });
    expect(changed.status).toBe(200);
    try {
      const calls = modelCalls();
      await t.chat<ChatBody>({ message: 'What pulls on the oceans?' });
      const again = await t.chat<ChatBody>({ message: 'What pulls on the oceans?' });
      expect(again.body.mode).toBe('generated');
      expect(modelCalls()).toBe(calls + 2);
    } finally {
      await call(app(), {
        method: 'PATCH',
        url: '/v1/bots/parley',
        payload: { settings: { answer_cache: null } },
      });
    }
  });
});
