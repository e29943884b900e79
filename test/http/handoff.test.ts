// Handoff to a person: a request for one hands the conversation over (when the bot allows it), the
// bot then stays silent, a person replies through the agent API and hands it back; tenants never
// see each other's handed-off conversations.
import { describe, expect, it } from 'vitest';
import { useChatFixture } from '../support/chat-fixture.js';
import { QUESTION } from '../support/documents.js';
import { call } from '../support/http.js';
import { eventually } from '../support/test-backend.js';

interface ChatBody {
  answer: string;
  mode: string;
  conversation_id: string;
}

interface ConversationBody {
  state: string;
  messages: { role: string; content: string; author: string | null }[];
}

describe('handoff', () => {
  const t = useChatFixture({ models: 'openai:small-model', reply: 'The Moon pulls on the oceans [1].' });
  const modelCalls = () => t.stub.requests.filter((request) => request.prompt).length;
  const settle = () => eventually(async () => (t.server.runtime.tasks.size === 0 ? true : undefined));

  it('says no one can be put through when the bot has no handoff', async () => {
    const asked = await t.chat<ChatBody>({ message: 'I want to talk to a human' });
    expect(asked.body.mode).toBe('small_talk');
    expect(asked.body.answer).toMatch(/no one I can put you through to/);
  });

  it('hands a conversation to a person, stays silent, and takes it back', async () => {
    const tenant = await t.tenantWithKey('handoff');
    const as = tenant.headers;
    const bob = await t.tenantWithKey('handoff-bob');
    const setting = await call(t.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      headers: as,
      payload: { settings: { intents: { handoff: true } } },
    });
    expect(setting.status).toBe(200);

    const asked = await t.chat<ChatBody>({ message: 'I want to talk to a human' }, as);
    expect(asked.body.mode).toBe('handoff');
    expect(asked.body.answer).toMatch(/handing this conversation to a person/);
    const id = asked.body.conversation_id;

    const calls = modelCalls();
    const waiting = await t.chat<ChatBody>({ message: QUESTION, conversation_id: id }, as);
    expect(waiting.body).toMatchObject({ mode: 'handed_off', answer: '' });
    expect(modelCalls()).toBe(calls);
    await settle();

    const listed = await call<{ conversations: { id: string }[] }>(t.app, {
      method: 'GET',
      url: '/v1/handoffs',
      headers: as,
    });
    expect(listed.body.conversations.map((c) => c.id)).toContain(id);
    const bobs = await call<{ conversations: { id: string }[] }>(t.app, {
      method: 'GET',
      url: '/v1/handoffs',
      headers: bob.headers,
    });
    expect(bobs.body.conversations.map((c) => c.id)).not.toContain(id);

    const reply = (headers: Record<string, string>, content: unknown) =>
      call(t.app, {
        method: 'POST',
        url: `/v1/conversations/${id}/agent-replies`,
        headers,
        payload: { content },
      });
    expect((await reply(bob.headers, 'not yours')).status).toBe(404);
    expect((await reply(as, '')).status).toBe(400);
    expect((await reply(as, 'Hi, Sam here: the Moon, mostly.')).status).toBe(201);
    const redacted = await reply(as, 'Your card 4111 1111 1111 1111 is blocked; write to help@shop.example.');
    expect(redacted.status).toBe(201);

    const conversation = await call<ConversationBody>(t.app, {
      method: 'GET',
      url: `/v1/conversations/${id}`,
      headers: as,
    });
    expect(conversation.body.state).toBe('handed_off');
    expect(conversation.body.messages.map((m) => [m.role, m.author])).toEqual([
      ['user', null],
      ['assistant', null],
      ['user', null], // the bot said nothing to this one
      ['assistant', 'agent'],
      ['assistant', 'agent'],
    ]);
    // A person's reply keeps the bot's answer PII policy: a card number goes, a contact address stays.
    expect(conversation.body.messages.at(-1)?.content).toBe(
      'Your card [CARD] is blocked; write to help@shop.example.',
    );

    const handBack = (headers: Record<string, string>) =>
      call<{ state: string }>(t.app, { method: 'POST', url: `/v1/conversations/${id}/hand-back`, headers });
    expect((await handBack(bob.headers)).status).toBe(404);
    expect((await handBack(as)).body).toEqual({ id, state: 'active' });
    expect((await handBack(as)).status).toBe(409);
    expect((await reply(as, 'too late')).status).toBe(409);

    const answered = await t.chat<ChatBody>({ message: QUESTION, conversation_id: id }, as);
    expect(answered.body.mode).toBe('generated');
    // The model follows the whole conversation, the person's reply included.
    const prompt = t.stub.requests.filter((request) => request.prompt).at(-1)!.prompt!;
    expect(prompt.messages.some((message) => message.text.includes('Sam here'))).toBe(true);
  });
});
