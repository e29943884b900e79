// Structured output through both chat clients: the request asks the provider for one JSON object
// matching a schema, in each provider's own wire format, and the answer arrives as the text.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type StubProvider, startStubProvider } from '../../../test/support/stub-provider/index.js';
import { createChatModels } from './create-chat-models.js';
import type { ChatModel, GenerationRequest } from './types.js';

let stub: StubProvider;

beforeAll(async () => {
  stub = await startStubProvider();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

const SCHEMA = {
  type: 'object',
  properties: { intent: { type: 'string', enum: ['question', 'greeting'] } },
  required: ['intent'],
  additionalProperties: false,
};

const request = (responseFormat?: GenerationRequest['responseFormat']): GenerationRequest => ({
  system: 'Read the message.',
  messages: [{ role: 'user', content: 'hello there' }],
  ...(responseFormat ? { responseFormat } : {}),
});

async function text(model: ChatModel, generation: GenerationRequest): Promise<string> {
  let answer = '';
  const stream = model.stream(generation);
  for (let step = await stream.next(); !step.done; step = await stream.next()) answer += step.value;
  return answer;
}

describe.each([
  ['openai:gpt-4o-mini', 'reading'],
  ['anthropic:claude-sonnet-4-5', undefined],
])('structured output from %s', (ref, name) => {
  it('asks for a JSON answer matching the schema, and reads it', async () => {
    const connection = { apiKey: 'sk-test', baseUrl: stub.url };
    const [connected] = createChatModels([ref], { openai: connection, anthropic: connection, cohere: {} });
    stub.setReply('not JSON');
    stub.setJsonReply('{"intent":"greeting"}');
    expect(
      await text(connected!, request({ type: 'json', name: 'reading', schema: SCHEMA, strict: true })),
    ).toBe('{"intent":"greeting"}');
    const asked = stub.requests.at(-1)!.prompt!;
    expect(asked.json?.schema).toMatchObject({ required: ['intent'] });
    expect(asked.json?.name).toBe(name);
    // Without a response format the answer is free text.
    expect(await text(connected!, request())).toBe('not JSON');
    expect(stub.requests.at(-1)!.prompt!.json).toBeUndefined();
  });
});
