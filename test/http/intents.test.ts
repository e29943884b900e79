// The orchestrator's intent step: greetings and thanks get the small-talk reply at once (no
// retrieval, no model call), a bot can change the replies or turn small talk off, and every
// message's intent and handler are in its trace and the metrics.
import { describe, expect, it } from 'vitest';
import { useChatFixture } from '../support/chat-fixture.js';
import { QUESTION } from '../support/documents.js';
import { call, parseSse } from '../support/http.js';
import { eventually } from '../support/test-backend.js';

interface ChatBody {
  answer: string;
  mode: string;
  turn_id: string;
  citations: unknown[];
  usage: { cost_usd: number; model: string };
}

interface IntentTrace {
  intent: { name: string; score: number; unsure: boolean; handler: string } | null;
  retrieved: unknown[];
}

describe('intents', () => {
  const t = useChatFixture({ models: 'openai:small-model', reply: 'The Moon pulls on the oceans [1].' });
  const app = () => t.app;
  const modelCalls = () => t.stub.requests.filter((request) => request.prompt).length;
  const traceOf = (turnId: string) =>
    eventually(async () => {
      const trace = await call<IntentTrace>(app(), { method: 'GET', url: `/v1/turns/${turnId}/trace` });
      return trace.status === 200 ? trace.body : undefined;
    });

  it('answers a greeting and thanks at once, with no retrieval and no model call', async () => {
    const calls = modelCalls();
    const hello = await t.chat<ChatBody>({ message: 'hi there' });
    expect(hello.status).toBe(200);
    expect(hello.body).toMatchObject({ mode: 'small_talk', citations: [] });
    expect(hello.body.answer).toMatch(/^Hello! Ask me a question/);
    expect(hello.body.usage).toMatchObject({ cost_usd: 0, model: 'none' });
    const trace = await traceOf(hello.body.turn_id);
    expect(trace.intent).toMatchObject({ name: 'greeting', unsure: false, handler: 'small_talk' });
    expect(trace.retrieved).toEqual([]);

    const streamed = await call(app(), {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'thanks!', stream: true },
    });
    const events = parseSse(streamed.raw);
    const text = events
      .filter((event) => event.event === 'token')
      .map((event) => (event.data as { text: string }).text)
      .join('');
    expect(text).toMatch(/welcome/i);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { mode: 'small_talk' } });
    expect(modelCalls()).toBe(calls);
  });

  it('answers a knowledge question from the documents, its intent in the trace and the metrics', async () => {
    const answered = await t.chat<ChatBody>({ message: QUESTION });
    expect(answered.body.mode).toBe('generated');
    const trace = await traceOf(answered.body.turn_id);
    expect(trace.intent?.handler).toBe('knowledge');
    expect(trace.retrieved.length).toBeGreaterThan(0);
    const metrics = await call(app(), { method: 'GET', url: '/metrics' });
    expect(metrics.raw).toMatch(/parley_intents_total\{intent="greeting",handler="small_talk"\} [1-9]/);
    expect(metrics.raw).toMatch(/parley_intents_total\{intent="[a-z_]+",handler="knowledge"\} [1-9]/);
  });

  it("uses a bot's own replies, and answers greetings from the documents when small talk is off", async () => {
    const own = await call(app(), {
      method: 'PATCH',
      url: '/v1/bots/parley',
      payload: { settings: { intents: { replies: { greeting: 'Ahoy! Ask me about the tides.' } } } },
    });
    expect(own.status).toBe(200);
    try {
      expect((await t.chat<ChatBody>({ message: 'hello' })).body.answer).toBe(
        'Ahoy! Ask me about the tides.',
      );
      await call(app(), {
        method: 'PATCH',
        url: '/v1/bots/parley',
        payload: { settings: { intents: { small_talk: false } } },
      });
      const hello = await t.chat<ChatBody>({ message: 'hey' });
      expect(hello.body.mode).not.toBe('small_talk');
      expect((await traceOf(hello.body.turn_id)).intent?.handler).toBe('knowledge');
      const refused = await call(app(), {
        method: 'PATCH',
        url: '/v1/bots/parley',
        payload: { settings: { intents: { min_score: 2 } } },
      });
      expect(refused.status).toBe(400);
    } finally {
      await call(app(), {
        method: 'PATCH',
        url: '/v1/bots/parley',
        payload: { settings: { intents: null } },
      });
    }
  });

  it('tells a tenant without documents that it has nothing to answer from yet', async () => {
    const tenant = await t.tenantWithKey('empty-intents');
    await t.server.runtime.db.query('delete from documents where tenant_id = $1', [tenant.tenantId]);
    const hello = await t.chat<ChatBody>({ message: 'good morning' }, tenant.headers);
    expect(hello.body.mode).toBe('small_talk');
    expect(hello.body.answer).toMatch(/I have none yet/);
  });
});
