import { describe, expect, it } from 'vitest';
import { routerOf, type Script, scriptedModel, turnPlan } from '../../test/support/turn-plan.js';
import { countTokens } from '../knowledge/index.js';
import { DEGRADED_LABEL, EXTRACTIVE_LABEL, NOTHING_FOUND } from './extractive-answer.js';
import {
  abandonedAnswer,
  answerEvidence,
  generateAnswer,
  generationOptions,
  pieces,
} from './generate-answer.js';
import type { RawGenerationEvent } from './generation-events.js';
import type { TurnPlan } from './turn-plan.js';

async function generate(plan: TurnPlan, exclude: readonly string[] = []) {
  const events: RawGenerationEvent[] = [];
  let error: unknown;
  try {
    for await (const event of generateAnswer(plan, answerEvidence(plan), undefined, exclude))
      events.push(event);
  } catch (thrown) {
    error = thrown;
  }
  const text = events.flatMap((event) => (event.type === 'raw-token' ? [event.text] : [])).join('');
  return { events, types: [...new Set(events.map((event) => event.type))], text, error };
}

const withModels = (...scripts: [string, Script][]) =>
  turnPlan({ router: routerOf(scripts.map(([id, script]) => scriptedModel(id, script))) });

describe('generateAnswer', () => {
  it('refuses a blocked message without asking a model', async () => {
    const plan = turnPlan({
      router: routerOf([scriptedModel('openai:small', { failWith: 'must not be called' })]),
      blocked: 'I cannot help with that.',
    });
    const { events, text } = await generate(plan);
    expect(events.slice(0, 2)).toEqual([
      { type: 'mode', mode: 'refused' },
      { type: 'citations', citations: [] },
    ]);
    expect(text).toBe('I cannot help with that.');
  });

  it('says nothing was found when no passage is relevant enough', async () => {
    const plan = turnPlan({ router: routerOf([]), chunks: [] });
    const { events, text } = await generate(plan);
    expect(events[0]).toEqual({ type: 'mode', mode: 'not_found' });
    expect(text).toBe(NOTHING_FOUND);
  });

  it('answers extractively, with citations first, for a bot without models', async () => {
    const { events, text } = await generate(turnPlan());
    expect(events[0]).toMatchObject({ type: 'citations', citations: [{ chunk_id: 1 }] });
    expect(text.startsWith(EXTRACTIVE_LABEL.trim().slice(0, 20))).toBe(true);
  });

  it("streams the model's answer after its context, route and prompt, then usage and citations", async () => {
    const plan = withModels(['openai:small', { pieces: ['Refunds take ', '14 days [1].'] }]);
    const { events, types, text, error } = await generate(plan);
    expect(error).toBeUndefined();
    expect(types).toEqual(['context', 'route', 'prompt', 'model', 'raw-token', 'usage', 'citations']);
    expect(text).toBe('Refunds take 14 days [1].');
    expect(events).toContainEqual({ type: 'usage', usage: { inputTokens: 12, outputTokens: 5 } });
    expect(events.at(-1)).toMatchObject({ type: 'citations', citations: [{ chunk_id: 1 }] });
    const prompt = events.find((event) => event.type === 'prompt');
    expect(prompt).toMatchObject({ system: 'Answer from the passages.', messages: [{ role: 'user' }] });
  });

  it('degrades to the extractive answer when no model answers, with every attempt', async () => {
    const plan = withModels(['openai:small', { failWith: 'HTTP 500' }]);
    const { events, text, error } = await generate(plan);
    expect(error).toBeUndefined();
    const at = events.findIndex((event) => event.type === 'attempts');
    expect(events[at]).toMatchObject({ attempts: [{ model: 'openai:small', outcome: 'failed' }] });
    expect(events[at + 1]).toEqual({ type: 'mode', mode: 'degraded' });
    expect(text.startsWith(DEGRADED_LABEL.trim().slice(0, 20))).toBe(true);
  });

  it('reports a stream that broke off mid-answer, cites what was said, and throws', async () => {
    const plan = withModels(['openai:small', { pieces: ['Refunds [1] '], breakWith: 'stream cut' }]);
    const { events, text, error } = await generate(plan);
    expect(text).toBe('Refunds [1] ');
    expect((error as Error).message).toMatch('stream cut');
    expect(events.at(-2)).toMatchObject({ type: 'failure', message: expect.stringMatching('stream cut') });
    expect(events.at(-1)).toMatchObject({ type: 'citations', citations: [{ chunk_id: 1 }] });
  });

  it('skips the models it is told to exclude', async () => {
    const plan = withModels(['openai:small', { pieces: ['broken'] }], ['openai:big', { pieces: ['whole'] }]);
    const { events, text } = await generate(plan, ['openai:small']);
    expect(text).toBe('whole');
    expect(events).toContainEqual(expect.objectContaining({ type: 'model', model: 'openai:big' }));
  });

  it('gives a whole answer up as degraded with the extractive answer, text and citations', () => {
    const plan = withModels(['openai:small', { pieces: ['x'] }]);
    expect([...abandonedAnswer(plan, answerEvidence(plan))]).toMatchObject([
      { type: 'abandon' },
      { type: 'mode', mode: 'degraded' },
      { type: 'citations', citations: [{ chunk_id: 1 }] },
      {
        type: 'token',
        text: `${DEGRADED_LABEL}\n\n- Refunds are paid within 14 days of the return. [1]\n- A refund goes back to the card used to pay. [1]`,
      },
    ]);
  });
});

describe('answer limits', () => {
  it('gives a text written without a model whole, or the words that fit in the limit and a length finish', () => {
    expect([...pieces('Refunds take 14 days.')].map((event) => event.type)).toEqual([
      'raw-token',
      'raw-token',
      'raw-token',
      'raw-token',
    ]);
    const limit = countTokens('Refunds ') + countTokens('take ');
    const cut = [...pieces('Refunds take 14 days.', limit)];
    expect(cut).toEqual([
      { type: 'raw-token', text: 'Refunds ' },
      { type: 'raw-token', text: 'take ' },
      { type: 'finish', reason: 'length' },
    ]);
    // A text that fits ends as it is, with no finish of its own.
    expect([...pieces('Refunds take 14 days.', 50)].some((event) => event.type === 'finish')).toBe(false);
  });

  it("asks the model for the client's options, its length under the bot's cap", () => {
    const plan = turnPlan();
    const cap = plan.bot.maxAnswerTokens;
    expect(generationOptions(plan)).toEqual({ maxOutputTokens: cap });
    const asking = (generation: TurnPlan['request']['generation']) =>
      generationOptions({ ...plan, request: { ...plan.request, generation } });
    expect(asking({ maxOutputTokens: 5, temperature: 0.1, stop: ['\n'] })).toEqual({
      maxOutputTokens: 5,
      temperature: 0.1,
      stop: ['\n'],
    });
    expect(asking({ maxOutputTokens: cap + 100 })).toEqual({ maxOutputTokens: cap });
  });
});
