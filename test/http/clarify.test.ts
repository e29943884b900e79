// Clarifying questions and conversation state: a vague request gets a question back instead of a
// guess, the conversation waits for the answer (its state says so), the answer is searched for
// together with the request it clarifies, and the bot never asks twice in a row.
import { describe, expect, it } from 'vitest';
import { useChatFixture } from '../support/chat-fixture.js';
import { TOPICS } from '../support/documents.js';
import { call } from '../support/http.js';
import { eventually } from '../support/test-backend.js';

interface ChatBody {
  answer: string;
  mode: string;
  conversation_id: string;
  turn_id: string;
}

describe('clarifying questions', () => {
  const t = useChatFixture({
    models: 'openai:small-model',
    documents: TOPICS,
    reply: 'It burns propellant [1].',
  });
  const stateOf = async (conversationId: string) =>
    (await call<{ state: string }>(t.app, { method: 'GET', url: `/v1/conversations/${conversationId}` })).body
      .state;
  const traceOf = (turnId: string) =>
    eventually(async () => {
      const trace = await call<{ standalone_question: string | null; retrieved: { title: string }[] }>(
        t.app,
        {
          method: 'GET',
          url: `/v1/turns/${turnId}/trace`,
        },
      );
      return trace.status === 200 ? trace.body : undefined;
    });

  it('asks once, reads the answer with the request, and is active again', async () => {
    const calls = t.stub.requests.filter((request) => request.prompt).length;
    const vague = await t.chat<ChatBody>({ message: "it doesn't work" });
    expect(vague.body.mode).toBe('clarify');
    expect(vague.body.answer).toMatch(/^Could you tell me a little more/);
    expect(t.stub.requests.filter((request) => request.prompt).length).toBe(calls);
    const conversation = vague.body.conversation_id;
    expect(await stateOf(conversation)).toBe('awaiting_clarification');

    // Still vague: no second clarifying question in a row.
    const still = await t.chat<ChatBody>({
      message: 'something is wrong with the rocket engine',
      conversation_id: conversation,
    });
    expect(still.body.mode).not.toBe('clarify');
    const trace = await traceOf(still.body.turn_id);
    expect(trace.standalone_question).toBe("it doesn't work something is wrong with the rocket engine");
    expect(trace.retrieved[0]?.title).toBe('Rockets');
    await eventually(async () => ((await stateOf(conversation)) === 'active' ? true : undefined));
  });

  it('answers a vague request from the documents for a bot that turns clarifying off', async () => {
    const off = await call(t.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      payload: { settings: { intents: { clarify: false } } },
    });
    expect(off.status).toBe(200);
    try {
      expect((await t.chat<ChatBody>({ message: "it doesn't work" })).body.mode).not.toBe('clarify');
    } finally {
      await call(t.app, {
        method: 'PATCH',
        url: '/v1/bots/parley',
        payload: { settings: { intents: null } },
      });
    }
  });
});
