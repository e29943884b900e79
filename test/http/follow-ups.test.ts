// Follow-ups: a message that leans on the conversation is searched for as a standalone question
// written from it (the trace shows both); the model sees the message as the user wrote it.
import { describe, expect, it } from 'vitest';
import { useChatFixture } from '../support/chat-fixture.js';
import { TOPICS } from '../support/documents.js';
import { call } from '../support/http.js';
import { eventually } from '../support/test-backend.js';

interface ChatBody {
  mode: string;
  conversation_id: string;
  turn_id: string;
}

interface FollowUpTrace {
  standalone_question: string | null;
  retrieved: { title: string }[];
}

describe('follow-ups', () => {
  const t = useChatFixture({
    models: 'openai:small-model',
    documents: TOPICS,
    reply: 'It burns propellant [1].',
  });
  const traceOf = (turnId: string) =>
    eventually(async () => {
      const trace = await call<FollowUpTrace>(t.app, { method: 'GET', url: `/v1/turns/${turnId}/trace` });
      return trace.status === 200 ? trace.body : undefined;
    });

  it('searches for a follow-up with the question before it, and shows both in the trace', async () => {
    const first = await t.chat<ChatBody>({ message: 'How does a rocket engine lift a payload?' });
    expect(first.body.mode).toBe('generated');
    const followUp = await t.chat<ChatBody>({
      message: 'and how loud is that?',
      conversation_id: first.body.conversation_id,
    });
    expect(followUp.body.mode).toBe('generated');
    const trace = await traceOf(followUp.body.turn_id);
    expect(trace.standalone_question).toBe('How does a rocket engine lift a payload? and how loud is that?');
    expect(trace.retrieved[0]?.title).toBe('Rockets');
    // The model is asked the message as written, after the conversation.
    const prompt = t.stub.requests.filter((request) => request.prompt).at(-1)!.prompt!;
    expect(prompt.messages.at(-1)?.text).toContain('and how loud is that?');
    expect(prompt.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);

    // The same message opening a conversation has nothing to lean on: searched for as it is.
    const alone = await t.chat<ChatBody>({ message: 'and how loud is that?' });
    expect(alone.body.mode).toBe('not_found');
    expect((await traceOf(alone.body.turn_id)).standalone_question).toBeNull();
  });
});
