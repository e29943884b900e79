// The OpenAI-compatible endpoint honours the parameters it accepts (max_tokens, temperature,
// top_p, stop, penalties, seed) or refuses them with a clear 400, driven by the official OpenAI
// SDK over a real port; the bot's cap on an answer's length holds whatever a client asks.
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { type ChatFixture, useChatFixture } from '../support/chat-fixture.js';
import type { TestDocument } from '../support/documents.js';
import { call } from '../support/http.js';

const GLACIERS: TestDocument = {
  title: 'Glaciers',
  text: '# Glaciers\n\nGlaciers form where snow accumulates faster than it melts, over many years.',
};
const QUESTION = 'How do glaciers form?';
const REPLY = 'Snow piles up faster than it melts, year after year, and turns to ice [1].';

const clients = new Map<ChatFixture, Promise<{ sdk: OpenAI; key: string }>>();

/** The official SDK on the fixture's real port, with a key of the default tenant (made once). */
function connect(fixture: ChatFixture): Promise<{ sdk: OpenAI; key: string }> {
  let connected = clients.get(fixture);
  if (!connected) {
    connected = (async () => {
      await fixture.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = fixture.app.server.address() as AddressInfo;
      const { key } = await createApiKey(fixture.server.runtime.db, 'default');
      return { sdk: new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: key, maxRetries: 0 }), key };
    })();
    clients.set(fixture, connected);
  }
  return connected;
}

const client = async (fixture: ChatFixture) => (await connect(fixture)).sdk;

type CreateParams = Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, 'model' | 'messages'>;

/** The question, as a completion of the fixture's bot, with `extra` parameters. */
const ask = async (fixture: ChatFixture, extra: CreateParams = {}) =>
  (await client(fixture)).chat.completions.create({
    model: 'parley',
    messages: [{ role: 'user', content: QUESTION }],
    ...extra,
  });
const keyHeaders = async (fixture: ChatFixture) => ({
  authorization: `Bearer ${(await connect(fixture)).key}`,
});

/** The body of the last chat request the stub received. */
const lastModelRequest = (fixture: ChatFixture) =>
  fixture.stub.requests.filter((request) => request.path.endsWith('/chat/completions')).at(-1)
    ?.body as Record<string, unknown>;

describe('OpenAI-compatible parameters', () => {
  const openai = useChatFixture({ models: 'openai:stub-model', documents: [GLACIERS], reply: REPLY });
  const anthropic = useChatFixture({
    // A model the AI SDK knows to take sampling parameters (it drops them for unknown ones).
    models: 'anthropic:claude-sonnet-4-6',
    documents: [GLACIERS],
    reply: REPLY,
  });
  const extractive = useChatFixture({ documents: [GLACIERS] });

  it('passes max_tokens to the model and reports an answer cut at it as finish_reason "length"', async () => {
    const sdk = await client(openai);
    const completion = await ask(openai, { max_tokens: 3 });
    expect(lastModelRequest(openai).max_tokens).toBe(3);
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.choices[0]?.message.content).toBe('Snow piles up');
    expect(completion.usage?.completion_tokens).toBe(3);

    // Streamed, the last chunk says the same.
    const stream = await sdk.chat.completions.create({
      model: 'parley',
      messages: [{ role: 'user', content: QUESTION }],
      max_completion_tokens: 2,
      stream: true,
    });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('Snow piles');
    expect(finish).toBe('length');
  });

  it('passes temperature, top_p, the penalties, seed and stop, and the answer ends before a stop sequence', async () => {
    // The same names on both sides of Parley: OpenAI's.
    const sampling = {
      temperature: 0.2,
      top_p: 0.9,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      seed: 7,
      stop: [', year'],
    };
    const completion = await ask(openai, sampling);
    expect(lastModelRequest(openai)).toMatchObject(sampling);
    expect(completion.choices[0]?.message.content).toBe('Snow piles up faster than it melts');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it("holds the bot's max_answer_tokens over a client's larger max_tokens, and applies it by default", async () => {
    const setting = await call(openai.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      headers: await keyHeaders(openai),
      payload: { settings: { max_answer_tokens: 4 } },
    });
    expect(setting.status).toBe(200);
    try {
      const asked = await ask(openai, { max_tokens: 100 });
      expect(lastModelRequest(openai).max_tokens).toBe(4);
      expect(asked.choices[0]?.finish_reason).toBe('length');
      await ask(openai);
      expect(lastModelRequest(openai).max_tokens).toBe(4);
    } finally {
      await call(openai.app, {
        method: 'PATCH',
        url: '/v1/bots/parley',
        headers: await keyHeaders(openai),
        payload: { settings: { max_answer_tokens: null } },
      });
    }
    // Without a bot cap, the server's default (PARLEY_MAX_ANSWER_TOKENS, 1024) bounds every answer.
    await ask(openai);
    expect(lastModelRequest(openai).max_tokens).toBe(1024);
  });

  it('refuses what it cannot honour with a 400 that says why, and never calls the model', async () => {
    const calls = openai.stub.requests.length;
    const refused = async (extra: Record<string, unknown>, why: RegExp) => {
      const failure = await ask(openai, extra as CreateParams).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure, JSON.stringify(extra)).toBeInstanceOf(OpenAI.APIError);
      expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
      expect((failure as Error).message).toMatch(why);
    };
    await refused({ n: 2 }, /n must be 1/);
    await refused({ logprobs: true }, /logprobs/);
    await refused({ logit_bias: { '50256': -100 } }, /logit_bias/);
    await refused(
      { tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }] },
      /tools are not available/,
    );
    await refused({ tool_choice: { type: 'function', function: { name: 'weather' } } }, /tool_choice/);
    await refused({ response_format: { type: 'json_object' } }, /response_format json_object/);
    await refused({ temperature: 3 }, /temperature/);
    await refused({ max_tokens: 0 }, /max_tokens/);
    await refused({ stop: ['a', 'b', 'c', 'd', 'e'] }, /stop/);
    expect(openai.stub.requests.length).toBe(calls);
    // What it can honour, or what changes nothing, passes.
    const fine = await ask(openai, {
      n: 1,
      tool_choice: 'none',
      response_format: { type: 'text' },
      user: 'someone',
    });
    expect(fine.choices[0]?.message.content).toBe(REPLY);
  });

  it('passes stop and max_tokens through the AI SDK provider (Anthropic) too', async () => {
    const cut = await ask(anthropic, { max_tokens: 2, temperature: 0.5 });
    const sent = anthropic.stub.requests.filter((request) => request.path.endsWith('/messages')).at(-1)
      ?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ max_tokens: 2, temperature: 0.5 });
    expect(cut.choices[0]?.message.content).toBe('Snow piles');
    expect(cut.choices[0]?.finish_reason).toBe('length');
    const stopped = await ask(anthropic, { stop: ' faster' });
    expect(stopped.choices[0]?.message.content).toBe('Snow piles up');
    expect(stopped.choices[0]?.finish_reason).toBe('stop');
  });

  it('cuts an answer written without a model at max_tokens too, on both chat endpoints', async () => {
    const whole = await ask(extractive);
    expect(whole.choices[0]?.finish_reason).toBe('stop');
    const cut = await ask(extractive, { max_tokens: 3 });
    expect(cut.choices[0]?.finish_reason).toBe('length');
    const wholeText = whole.choices[0]?.message.content ?? '';
    const cutText = cut.choices[0]?.message.content ?? '';
    expect(cutText.length).toBeGreaterThan(0);
    expect(cutText.length).toBeLessThan(wholeText.length);
    expect(wholeText.startsWith(cutText.trimEnd())).toBe(true);

    const as = await keyHeaders(extractive);
    const chat = await extractive.chat<{ answer: string; finish_reason: string }>(
      { message: QUESTION, max_tokens: 3 },
      as,
    );
    expect(chat.status).toBe(200);
    expect(chat.body.finish_reason).toBe('length');
    expect(chat.body.answer).toBe(cutText);
    const plain = await extractive.chat<{ finish_reason: string }>({ message: QUESTION }, as);
    expect(plain.body.finish_reason).toBe('stop');
    const bad = await extractive.chat({ message: QUESTION, max_tokens: -1 }, as);
    expect(bad.status).toBe(400);
  });
});
