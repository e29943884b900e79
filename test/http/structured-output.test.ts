// Structured output: `response_format` on the OpenAI-compatible endpoint and `schema` on /v1/chat
// give a JSON answer checked against the schema, or a clear 502 when the model cannot comply.
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useChatFixture } from '../support/chat-fixture.js';
import type { TestDocument } from '../support/documents.js';
import { openAiClient } from '../support/openai-client.js';

const RETURNS: TestDocument = {
  title: 'Returns',
  text: '# Returns\n\nYou may return an item within 14 days of delivery for a full refund.',
};
const QUESTION = 'How long do I have to return an item?';
const SCHEMA = {
  type: 'object',
  properties: { days: { type: 'integer' }, refund: { type: 'string' } },
  required: ['days', 'refund'],
  additionalProperties: false,
};
const response_format = {
  type: 'json_schema' as const,
  json_schema: { name: 'return_policy', schema: SCHEMA, strict: true },
};

describe('structured output', () => {
  const fixture = useChatFixture({ models: 'openai:stub-model', documents: [RETURNS] });
  const plain = useChatFixture({ documents: [RETURNS] });

  const ask = async (extra: Record<string, unknown>) =>
    (await openAiClient(fixture)).sdk.chat.completions.create({
      model: 'parley',
      messages: [{ role: 'user', content: QUESTION }],
      ...extra,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
  const failure = (extra: Record<string, unknown>) =>
    ask(extra).then(
      () => undefined,
      (error: InstanceType<typeof OpenAI.APIError>) => error,
    );

  it("answers as JSON matching the client's schema, and passes the schema to the model", async () => {
    fixture.stub.setReply('{"days": 14, "refund": "full"}');
    const completion = await ask({ response_format });
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ days: 14, refund: 'full' });
    expect(fixture.stub.requests.at(-1)?.body).toMatchObject({
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'return_policy', schema: SCHEMA, strict: true },
      },
    });
    // json_object: any JSON object will do.
    fixture.stub.setReply('{"answer": "14 days"}');
    const any = await ask({ response_format: { type: 'json_object' } });
    expect(JSON.parse(any.choices[0]?.message.content ?? '')).toEqual({ answer: '14 days' });
    expect(fixture.stub.requests.at(-1)?.body).toMatchObject({ response_format: { type: 'json_object' } });
  });

  it('fails with a 502 that says why when the model answers otherwise', async () => {
    fixture.stub.setReply('You have 14 days [1].');
    const prose = await failure({ response_format });
    expect(prose?.status).toBe(502);
    expect(prose?.message).toMatch(/the answer is not JSON/);
    fixture.stub.setReply('{"days": "fourteen", "refund": "full"}');
    const wrong = await failure({ response_format });
    expect(wrong?.status).toBe(502);
    expect(wrong?.message).toMatch(/does not match the schema: \/days must be integer/);
    fixture.stub.setReply('[14]');
    expect((await failure({ response_format: { type: 'json_object' } }))?.message).toMatch(
      /not a JSON object/,
    );
  });

  it('ends a streamed answer that is not JSON with an error', async () => {
    fixture.stub.setReply('You have 14 days [1].');
    const { sdk } = await openAiClient(fixture);
    const stream = await sdk.chat.completions.create({
      model: 'parley',
      messages: [{ role: 'user', content: QUESTION }],
      response_format,
      stream: true,
    });
    const read = async () => {
      for await (const _chunk of stream) {
        // the text streams; the check comes once it is whole
      }
    };
    await expect(read()).rejects.toThrow(/the answer is not JSON/);
  });

  it('refuses a schema that is not one with a 400, before any model call', async () => {
    const calls = fixture.stub.requests.length;
    const bad = await failure({
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'nonsense' } } },
    });
    expect(bad?.status).toBe(400);
    expect(bad?.message).toMatch(/the JSON schema is not valid/);
    expect(fixture.stub.requests.length).toBe(calls);
  });

  it("/v1/chat's schema option: JSON from a model, a 502 from a bot that answers without one", async () => {
    fixture.stub.setReply('{"days": 14, "refund": "full"}');
    const { key } = await openAiClient(fixture);
    const answered = await fixture.chat<{ answer: string; mode: string }>(
      { message: QUESTION, schema: SCHEMA },
      { authorization: `Bearer ${key}` },
    );
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body.answer)).toEqual({ days: 14, refund: 'full' });

    const extractive = await plain.chat<{ error: { code: string; message: string } }>({
      message: QUESTION,
      schema: SCHEMA,
    });
    expect(extractive.status).toBe(502);
    expect(extractive.body.error.code).toBe('PARLEY_ERR_MODEL_OUTPUT');
    expect(extractive.body.error.message).toMatch(/answered without a model \(extractive\)/);
    const invalid = await plain.chat({ message: QUESTION, schema: { type: 12 } });
    expect(invalid.status).toBe(400);
  });
});
