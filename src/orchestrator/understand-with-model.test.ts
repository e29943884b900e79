import { describe, expect, it } from 'vitest';
import { type ChatModel, type GenerationRequest, ModelChain, type TokenUsage } from '../models/index.js';
import { DEFAULT_INTENT_POLICY, type Understanding } from './understand-message.js';
import {
  asksModel,
  UNDERSTANDING_FORMAT,
  type UnderstandOptions,
  understandWithModel,
} from './understand-with-model.js';

const USAGE: TokenUsage = { inputTokens: 40, outputTokens: 12, cachedInputTokens: 0 };

/** A model that answers `text`, or throws `error`, or never answers until aborted. */
function fakeModel(answer: { text: string } | { error: string } | 'hang'): ChatModel & {
  requests: GenerationRequest[];
} {
  const requests: GenerationRequest[] = [];
  return {
    id: 'openai:fake',
    provider: 'openai',
    requests,
    async *stream(request) {
      requests.push(request);
      if (answer === 'hang') {
        await new Promise((_, reject) =>
          request.signal?.addEventListener('abort', () => reject(request.signal?.reason)),
        );
      }
      if (typeof answer === 'object' && 'error' in answer) throw new Error(answer.error);
      if (typeof answer === 'object') yield answer.text;
      return USAGE;
    },
  };
}

const chainOf = (model: ChatModel) => new ModelChain([model], { lastModelAttempts: 1 });

const unsure: Understanding = { intent: 'greeting', score: 0.35, unsure: true, handler: 'knowledge' };
const sureQuestion: Understanding = { intent: 'question', score: 0.99, unsure: false, handler: 'knowledge' };
const sureFollowUp: Understanding = { intent: 'follow_up', score: 0.99, unsure: false, handler: 'knowledge' };
const RECENT = [
  { role: 'user' as const, content: 'How do I enable dark mode?' },
  { role: 'assistant' as const, content: 'Open Settings, then Appearance.' },
];

function options(overrides: Partial<UnderstandOptions>): UnderstandOptions {
  return {
    chain: undefined,
    policy: DEFAULT_INTENT_POLICY,
    timeoutMs: 1_000,
    message: 'purple elephants dancing',
    understanding: unsure,
    inConversation: false,
    recent: async () => [],
    ...overrides,
  };
}

/** A follow-up in a conversation whose recent messages `recent` reads, asked of `model`. */
const followUp = (model: ChatModel, recent: UnderstandOptions['recent']) =>
  options({
    chain: chainOf(model),
    message: 'and how do I turn it off?',
    understanding: sureFollowUp,
    inConversation: true,
    recent,
  });

describe('asksModel', () => {
  const chain = chainOf(fakeModel({ text: '{}' }));

  it('asks about a message the classifier is unsure of, and about a follow-up in a conversation', () => {
    expect(asksModel(options({ chain }))).toBe(true);
    expect(
      asksModel(
        options({
          chain,
          message: 'and how do I turn it off?',
          understanding: sureFollowUp,
          inConversation: true,
        }),
      ),
    ).toBe(true);
  });

  it('does not ask about a sure plain question, without a model, or for a bot that opts out', () => {
    expect(
      asksModel(options({ chain, message: 'What is the refund policy?', understanding: sureQuestion })),
    ).toBe(false);
    // An unsure guess of "question" is answered from the knowledge base either way.
    const unsureQuestion = { ...sureQuestion, score: 0.43, unsure: true };
    expect(
      asksModel(options({ chain, message: 'Why are there tides?', understanding: unsureQuestion })),
    ).toBe(false);
    // A follow-up's words with nothing before it: nothing to lean on.
    expect(
      asksModel(options({ chain, message: 'and how do I turn it off?', understanding: sureFollowUp })),
    ).toBe(false);
    expect(asksModel(options({}))).toBe(false);
    expect(asksModel(options({ chain, policy: { ...DEFAULT_INTENT_POLICY, modelStep: false } }))).toBe(false);
    expect(asksModel(options({ chain, understanding: undefined }))).toBe(false);
    expect(
      asksModel(
        options({ chain, understanding: { ...sureQuestion, intent: 'thanks', handler: 'small_talk' } }),
      ),
    ).toBe(false);
  });
});

describe('understandWithModel', () => {
  it("routes by the model's intent and takes its standalone question, asking for structured output", async () => {
    const model = fakeModel({
      text: '{"intent":"follow_up","standalone_question":"How do I disable dark mode?"}',
    });
    const step = await understandWithModel(followUp(model, async () => RECENT));
    expect(step?.reading).toMatchObject({
      result: 'ok',
      model: 'openai:fake',
      intent: 'follow_up',
      standaloneQuestion: 'How do I disable dark mode?',
      tokens: USAGE,
    });
    expect(step?.understanding.handler).toBe('knowledge');
    const request = model.requests[0]!;
    expect(request.responseFormat?.name).toBe(UNDERSTANDING_FORMAT);
    expect(request.responseFormat?.schema).toMatchObject({ required: ['intent', 'standalone_question'] });
    expect(request.messages[0]!.content).toContain('user: How do I enable dark mode?');
    expect(request.messages[0]!.content).toContain('and how do I turn it off?');
  });

  it("gives an unsure message the handler of the model's intent", async () => {
    const chain = chainOf(
      fakeModel({ text: '{"intent":"vague","standalone_question":"purple elephants dancing"}' }),
    );
    const step = await understandWithModel(options({ chain }));
    expect(step?.understanding).toEqual({ intent: 'vague', score: 0.35, unsure: true, handler: 'clarify' });
    // Without a conversation, the message is its own standalone question.
    expect(step?.reading.standaloneQuestion).toBeUndefined();
  });

  it('keeps the classifier reading when the answer is not the expected JSON (its tokens still count)', async () => {
    const chain = chainOf(fakeModel({ text: 'I think it is a greeting' }));
    const step = await understandWithModel(options({ chain }));
    expect(step?.understanding).toEqual(unsure);
    expect(step?.reading).toMatchObject({ result: 'invalid', tokens: USAGE });
    expect(step?.reading.error).toMatch(/not the expected JSON/);

    const wrongIntent = chainOf(fakeModel({ text: '{"intent":"weather","standalone_question":"x"}' }));
    expect((await understandWithModel(options({ chain: wrongIntent })))?.reading.result).toBe('invalid');
  });

  it('keeps the classifier reading when the model fails or takes too long', async () => {
    const failed = await understandWithModel(options({ chain: chainOf(fakeModel({ error: 'boom' })) }));
    expect(failed?.understanding).toEqual(unsure);
    expect(failed?.reading).toMatchObject({ result: 'error' });
    expect(failed?.reading.tokens).toBeUndefined();

    const slow = await understandWithModel(options({ chain: chainOf(fakeModel('hang')), timeoutMs: 50 }));
    expect(slow?.understanding).toEqual(unsure);
    expect(slow?.reading).toMatchObject({ result: 'timeout', error: 'no answer within 50 ms' });
  });

  it('does not ask about a conversation the turn will not answer from', async () => {
    const model = fakeModel({ text: '{}' });
    const step = await understandWithModel(followUp(model, async () => undefined));
    expect(step).toBeUndefined();
    expect(model.requests).toEqual([]);
  });
});
