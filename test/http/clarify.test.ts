// Clarifying questions and conversation state: a vague request gets a question back instead of a
// guess, the conversation waits for the answer (its state says so), the answer is searched for
// together with the request it clarifies, and the bot never asks twice in a row.
import { describe, expect, it } from 'vitest';
import { type ChatFixture, useChatFixture } from '../support/chat-fixture.js';
import { TOPICS } from '../support/documents.js';
import { call } from '../support/http.js';
import { eventually } from '../support/test-backend.js';

interface ChatBody {
  answer: string;
  mode: string;
  conversation_id: string;
  turn_id: string;
}

/** Where a conversation of the fixture's default tenant stands. */
async function conversationState(t: ChatFixture, conversationId: string): Promise<string> {
  return (await call<{ state: string }>(t.app, { method: 'GET', url: `/v1/conversations/${conversationId}` }))
    .body.state;
}

describe('clarifying questions', () => {
  const t = useChatFixture({
    models: 'openai:small-model',
    documents: TOPICS,
    reply: 'It burns propellant [1].',
  });
  const stateOf = (conversationId: string) => conversationState(t, conversationId);
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

describe('clarifying when retrieval splits between topics', () => {
  const stateOf = (conversationId: string) => conversationState(t, conversationId);
  const t = useChatFixture({
    models: 'openai:small-model',
    documents: [
      {
        title: 'Desktop app',
        text: '# Desktop app\n\nTo install the desktop app, download the package and open it; it keeps your notes in sync.',
      },
      {
        title: 'Browser extension',
        text: '# Browser extension\n\nTo install the browser extension, open the store page and add it; it clips pages to your notes.',
      },
      TOPICS[0]!,
    ],
    reply: 'Open the store page and add it [1].',
  });

  it('asks which document a short request means, then answers the reply with the request', async () => {
    const calls = t.stub.requests.filter((request) => request.prompt).length;
    const split = await t.chat<ChatBody>({ message: 'how do I install it?' });
    expect(split.body.mode).toBe('clarify');
    expect(split.body.answer).toMatch(
      /could be about (Desktop app or Browser extension|Browser extension or Desktop app)/,
    );
    expect(t.stub.requests.filter((request) => request.prompt).length).toBe(calls);
    expect(await stateOf(split.body.conversation_id)).toBe('awaiting_clarification');
    const trace = await eventually(async () => {
      const found = await call<{ intent: { handler: string; topics?: string[] } }>(t.app, {
        method: 'GET',
        url: `/v1/turns/${split.body.turn_id}/trace`,
      });
      return found.status === 200 ? found.body : undefined;
    });
    expect(trace.intent).toMatchObject({ handler: 'clarify' });
    expect([...(trace.intent.topics ?? [])].sort()).toEqual(['Browser extension', 'Desktop app']);

    // The reply is read with the request it clarifies, and answered.
    const reply = await t.chat<ChatBody>({
      message: 'the browser extension',
      conversation_id: split.body.conversation_id,
    });
    expect(reply.body.mode).toBe('generated');
    await eventually(async () =>
      (await stateOf(split.body.conversation_id)) === 'active' ? true : undefined,
    );
  });

  it('answers a question that names its topic, and one of a bot whose margin is 0', async () => {
    const named = await t.chat<ChatBody>({ message: 'how do I install the browser extension?' });
    expect(named.body.mode).toBe('generated');
    const off = await call(t.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      payload: { settings: { intents: { clarify_split_margin: 0 } } },
    });
    expect(off.status).toBe(200);
    try {
      expect((await t.chat<ChatBody>({ message: 'how do I install it?' })).body.mode).toBe('generated');
    } finally {
      await call(t.app, {
        method: 'PATCH',
        url: '/v1/bots/parley',
        payload: { settings: { intents: null } },
      });
    }
  });
});
