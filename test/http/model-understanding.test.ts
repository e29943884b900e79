// The model step of understanding a message: with a model configured, a message the local
// classifier is unsure of, or one that leans on the conversation, is read by one short model call
// with structured output (intent + standalone question). Its intent routes the message, its
// standalone question is what retrieval searches for; on a failure, a timeout or an answer that is
// not the expected JSON the classifier and the rules stand, and the trace and metrics say so. A
// plain question the classifier is sure of never gets the extra call.
import { describe, expect, it } from 'vitest';
import { useChatFixture } from '../support/chat-fixture.js';
import { TOPICS } from '../support/documents.js';
import { call } from '../support/http.js';
import type { RecordedRequest } from '../support/stub-provider/index.js';
import { wordTokens } from '../support/stub-provider/index.js';
import { eventually } from '../support/test-backend.js';

interface ChatBody {
  mode: string;
  answer: string;
  conversation_id: string;
  turn_id: string;
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    model: string;
    cost_usd: number;
  };
}

interface UnderstandingTrace {
  standalone_question: string | null;
  standalone_source: 'model' | 'rules' | null;
  intent: { name: string; unsure: boolean; handler: string } | null;
  understanding: {
    model: {
      used: boolean;
      ok?: boolean;
      result?: string;
      intent?: string | null;
      error?: string | null;
      input_tokens?: number | null;
      output_tokens?: number | null;
    };
  };
  retrieved: { title: string }[];
  usage: { prompt_tokens: number; completion_tokens: number };
}

const FIRST = 'How does a rocket engine lift a payload?';
const FOLLOW_UP = 'and how do I turn it off?';
/** What the stub's model writes as the follow-up's standalone question (the rules would search rockets). */
const CATS = 'Why do cats purr when they are content?';
const MODEL = 'openai:small-model';

/** The input tokens the stub reports for a request (one per word of its prompt). */
function inputTokens(request: RecordedRequest): number {
  const prompt = request.prompt!;
  return Math.max(1, wordTokens([prompt.system, ...prompt.messages.map((m) => m.text)].join(' ')).length);
}

describe('the model step of understanding a message', () => {
  const t = useChatFixture({
    models: MODEL,
    documents: TOPICS,
    reply: 'It burns propellant [1].',
    env: {
      PARLEY_UNDERSTAND_TIMEOUT_MS: '1000',
      // $2 per million input tokens, $8 per million output tokens.
      PARLEY_PRICES: JSON.stringify({ [MODEL]: { input: 2, output: 8 } }),
    },
  });
  /** The structured-output calls the stub received (the understand step's). */
  const understandCalls = () => t.stub.requests.filter((request) => request.prompt?.json);
  const modelCalls = () => t.stub.requests.filter((request) => request.prompt).length;
  const traceOf = (turnId: string) =>
    eventually(async () => {
      const trace = await call<UnderstandingTrace>(t.app, {
        method: 'GET',
        url: `/v1/turns/${turnId}/trace`,
      });
      return trace.status === 200 ? trace.body : undefined;
    });
  const understanding = (intent: string, question: string) =>
    JSON.stringify({ intent, standalone_question: question });
  /** A conversation's first turn, then the follow-up; the follow-up's response. */
  const followUp = async () => {
    const first = await t.chat<ChatBody>({ message: FIRST });
    expect(first.status).toBe(200);
    return t.chat<ChatBody>({ message: FOLLOW_UP, conversation_id: first.body.conversation_id });
  };

  it('does not call the model for a plain question the classifier is sure of', async () => {
    t.stub.setJsonReply(understanding('question', FIRST));
    const calls = modelCalls();
    const understood = understandCalls().length;
    const answered = await t.chat<ChatBody>({ message: 'What makes a rocket engine produce thrust?' });
    expect(answered.body.mode).toBe('generated');
    expect(modelCalls()).toBe(calls + 1);
    expect(understandCalls()).toHaveLength(understood);
    const trace = await traceOf(answered.body.turn_id);
    expect(trace.understanding.model).toEqual({ used: false });
    expect(trace.standalone_source).toBeNull();
  });

  it("routes a message the classifier is unsure of by the model's intent, and charges its tokens", async () => {
    // The classifier's guess (vague, 0.68) is below the bot's threshold: it asks the model.
    const json = understanding('vague', 'nope still broken');
    t.stub.setJsonReply(json);
    const understood = understandCalls().length;
    const reply = await t.chat<ChatBody>({ message: 'nope still broken' });
    expect(reply.status).toBe(200);
    expect(reply.body.mode).toBe('clarify');
    expect(understandCalls()).toHaveLength(understood + 1);
    const asked = understandCalls().at(-1)!.prompt!;
    expect(asked.json?.name).toBe('message_understanding');
    expect(asked.lastUserText).toContain('nope still broken');
    const trace = await traceOf(reply.body.turn_id);
    expect(trace.intent).toMatchObject({ name: 'vague', handler: 'clarify' });
    expect(trace.understanding.model).toMatchObject({ used: true, ok: true, result: 'ok', intent: 'vague' });
    // No model answered, yet the turn carries the understand call's tokens, priced once.
    const prompt = inputTokens(understandCalls().at(-1)!);
    const completion = wordTokens(json).length;
    expect(reply.body.usage).toMatchObject({
      model: 'none',
      prompt_tokens: prompt,
      completion_tokens: completion,
    });
    expect(reply.body.usage.cost_usd).toBeCloseTo((prompt * 2 + completion * 8) / 1e6, 12);
    expect(trace.usage.prompt_tokens).toBe(prompt);
    expect(trace.understanding.model).toMatchObject({ input_tokens: prompt, output_tokens: completion });
  });

  it("searches for a follow-up with the model's standalone question; the trace keeps both", async () => {
    t.stub.setJsonReply(understanding('follow_up', CATS));
    const understood = understandCalls().length;
    const reply = await followUp();
    expect(reply.body.mode).toBe('generated');
    // Only the follow-up was read by the model; the first question stood on its own.
    expect(understandCalls()).toHaveLength(understood + 1);
    expect(understandCalls().at(-1)!.prompt!.lastUserText).toContain(FIRST);
    const trace = await traceOf(reply.body.turn_id);
    expect(trace.standalone_question).toBe(CATS);
    expect(trace.standalone_source).toBe('model');
    expect(trace.retrieved[0]?.title).toBe('Cats');
    // The answering model still sees the message as the user wrote it.
    const answerPrompt = t.stub.requests.filter((request) => request.prompt && !request.prompt.json).at(-1)!;
    expect(answerPrompt.prompt!.lastUserText).toContain(`Question: ${FOLLOW_UP}`);
    // The turn is charged both calls.
    const prompt = inputTokens(understandCalls().at(-1)!) + inputTokens(answerPrompt);
    const completion =
      wordTokens(understanding('follow_up', CATS)).length + wordTokens(reply.body.answer).length;
    expect(reply.body.usage).toMatchObject({
      model: MODEL,
      prompt_tokens: prompt,
      completion_tokens: completion,
    });
    expect(reply.body.usage.cost_usd).toBeCloseTo((prompt * 2 + completion * 8) / 1e6, 12);
  });

  it('answers from the rules when the model fails, answers with something else, or takes too long', async () => {
    const path = '/v1/chat/completions';
    const expectRules = async (reply: { body: ChatBody }, result: string) => {
      expect(reply.body.mode).toBe('generated');
      const trace = await traceOf(reply.body.turn_id);
      expect(trace.understanding.model).toMatchObject({ used: true, ok: false, result });
      expect(trace.understanding.model.error).toBeTruthy();
      expect(trace.standalone_source).toBe('rules');
      expect(trace.standalone_question).toBe(`${FIRST} ${FOLLOW_UP}`);
      expect(trace.retrieved[0]?.title).toBe('Rockets');
    };
    t.stub.setJsonReply(understanding('follow_up', CATS));

    const first = await t.chat<ChatBody>({ message: FIRST });
    // The last model in the chain tries twice: both tries fail.
    t.stub.failNext({ status: 500, times: 2, path });
    await expectRules(
      await t.chat<ChatBody>({ message: FOLLOW_UP, conversation_id: first.body.conversation_id }),
      'error',
    );

    t.stub.setJsonReply('Sure! It is a follow-up about rockets.');
    await expectRules(await followUp(), 'invalid');

    t.stub.setJsonReply(understanding('follow_up', CATS));
    const hanging = await t.chat<ChatBody>({ message: FIRST });
    t.stub.hangNext(1, { path });
    await expectRules(
      await t.chat<ChatBody>({ message: FOLLOW_UP, conversation_id: hanging.body.conversation_id }),
      'timeout',
    );

    const metrics = await call(t.app, { method: 'GET', url: '/metrics' });
    for (const result of ['ok', 'error', 'invalid', 'timeout']) {
      expect(metrics.raw).toMatch(
        new RegExp(`parley_understand_model_calls_total\\{result="${result}"\\} [1-9]`),
      );
    }
  });

  it('leaves the model out for a bot that opts out (intents.model_step: false)', async () => {
    const off = await call(t.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      payload: { settings: { intents: { model_step: false } } },
    });
    expect(off.status).toBe(200);
    try {
      t.stub.setJsonReply(understanding('follow_up', CATS));
      const understood = understandCalls().length;
      const reply = await followUp();
      expect(understandCalls()).toHaveLength(understood);
      const trace = await traceOf(reply.body.turn_id);
      expect(trace.understanding.model).toEqual({ used: false });
      expect(trace.standalone_source).toBe('rules');
    } finally {
      await call(t.app, { method: 'PATCH', url: '/v1/bots/parley', payload: { settings: { intents: {} } } });
    }
  });
});
