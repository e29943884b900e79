// A curated answer in the turn: a message close enough to an operator's question gets its answer
// as written (mode curated, no retrieval, no model call, marked in the trace); others do not.
import { describe, expect, it } from 'vitest';
import { useChatFixture } from '../support/chat-fixture.js';
import { QUESTION } from '../support/documents.js';
import { call } from '../support/http.js';
import { eventually } from '../support/test-backend.js';

interface ChatBody {
  answer: string;
  mode: string;
  turn_id: string;
  usage: { cost_usd: number };
}

describe('curated answers in the turn', () => {
  const t = useChatFixture({ models: 'openai:small-model', reply: 'The Moon pulls on the oceans [1].' });
  const modelCalls = () => t.stub.requests.filter((request) => request.prompt).length;

  it('answers a close question with the curated answer, and others as before', async () => {
    const stored = await call<{ id: string }>(t.app, {
      method: 'POST',
      url: '/v1/bots/parley/curated-answers',
      payload: {
        question: 'How do I reset my password?',
        answer: 'Use the "Forgot password" link on the sign-in page.',
      },
    });
    expect(stored.status).toBe(201);
    const calls = modelCalls();
    const asked = await t.chat<ChatBody>({ message: 'Can you tell me how I can reset my password, please?' });
    expect(asked.body).toMatchObject({
      mode: 'curated',
      answer: 'Use the "Forgot password" link on the sign-in page.',
      usage: { cost_usd: 0 },
    });
    expect(modelCalls()).toBe(calls);
    const trace = await eventually(async () => {
      const found = await call<{ curated: { id: string; score: number } | null; retrieved: unknown[] }>(
        t.app,
        {
          method: 'GET',
          url: `/v1/turns/${asked.body.turn_id}/trace`,
        },
      );
      return found.status === 200 ? found.body : undefined;
    });
    expect(trace.curated).toMatchObject({ id: stored.body.id, score: 1 });
    expect(trace.retrieved).toEqual([]);

    const other = await t.chat<ChatBody>({ message: QUESTION });
    expect(other.body.mode).toBe('generated');
  });
});
