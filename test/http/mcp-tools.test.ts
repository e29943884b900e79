// Tools of MCP servers inside a turn: the operator lists servers (PARLEY_MCP_SERVERS), a bot
// allows their tools by `<server>__<tool>`, and the model calls them over stdio and streamable
// HTTP. A server that dies mid-call is a failed call the model reads, not a failed turn; a server
// limited to some tenants is offered to no other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import { TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import {
  type HttpMcpServer,
  STDIO_SERVER_PATH,
  startHttpMcpServer,
} from '../support/mcp-server/http-server-process.js';
import { openAiClient } from '../support/openai-client.js';
import type { StubPrompt } from '../support/stub-provider/index.js';
import { eventually } from '../support/test-backend.js';

interface TraceBody {
  tools: {
    offered: string[];
    unavailable: { source: string; error: string }[];
    steps: { calls: { tool: string; source: string; outcome: string; error?: string }[] }[];
  } | null;
}

/** Calls the first offered tool of `wanted` with `args`, then answers with what it said. */
const callingModel =
  (wanted: string, args: Record<string, unknown>) =>
  (prompt: StubPrompt): string | { toolCalls: { name: string; arguments: string }[] } => {
    if (prompt.messages.length > 1) return `Tool said: ${prompt.messages.at(-1)?.text}`;
    if (prompt.tools.includes(wanted))
      return { toolCalls: [{ name: wanted, arguments: JSON.stringify(args) }] };
    return 'No tools.';
  };

describe('MCP tools in a turn', () => {
  let http: HttpMcpServer;
  let fixture: ChatFixture;
  beforeAll(async () => {
    http = await startHttpMcpServer();
    fixture = await startChatFixture({
      models: 'openai:stub-model',
      documents: [TIDES],
      env: {
        PARLEY_MCP_SERVERS: JSON.stringify([
          { name: 'local', transport: 'stdio', command: process.execPath, args: [STDIO_SERVER_PATH] },
          { name: 'remote', transport: 'http', url: http.url },
          { name: 'private', transport: 'http', url: http.url, tenants: ['some-other-tenant'] },
        ]),
      },
    });
  });
  afterAll(async () => {
    await fixture?.close();
    await http?.stop();
  });

  const allow = (names: string[]) =>
    call(fixture.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      payload: { settings: { tools: { allow: names } } },
    });

  const ask = async () => {
    const response = await fixture.chat<{ answer: string; turn_id: string }>({ message: 'Weather in Oslo?' });
    expect(response.status).toBe(200);
    const trace = await eventually(async () => {
      const read = await call<TraceBody>(fixture.app, {
        method: 'GET',
        url: `/v1/turns/${response.body.turn_id}/trace`,
      });
      return read.status === 200 ? read.body : undefined;
    });
    return { answer: response.body.answer, trace };
  };

  it.each(['local', 'remote'])('calls a read-only tool of the %s server', async (server) => {
    fixture.stub.setReply(callingModel(`${server}__get_weather`, { city: 'Oslo' }));
    await allow([`${server}__get_weather`]);
    const { answer, trace } = await ask();
    expect(answer).toBe('Tool said: Sunny in Oslo');
    expect(trace.tools?.offered).toEqual([`${server}__get_weather`]);
    expect(trace.tools?.steps[0]?.calls[0]).toMatchObject({ source: `mcp:${server}`, outcome: 'ok' });
  });

  it('sends arguments the schema refuses back to the model without calling the server', async () => {
    fixture.stub.setReply(callingModel('local__get_weather', { town: 'Oslo' }));
    await allow(['local__get_weather']);
    const { answer, trace } = await ask();
    expect(answer).toMatch(/^Tool said: Invalid arguments for local__get_weather/);
    expect(trace.tools?.steps[0]?.calls[0]?.outcome).toBe('invalid_arguments');
  });

  it('answers when the stdio server dies mid-call, and the next turn starts it again', async () => {
    fixture.stub.setReply(callingModel('local__crash', {}));
    await allow(['local__crash', 'local__get_weather']);
    const crashed = await ask();
    expect(crashed.trace.tools?.steps[0]?.calls[0]).toMatchObject({
      tool: 'local__crash',
      outcome: 'failed',
    });
    expect(crashed.answer).toBe('Tool said: local__crash failed. Answer without it or try once more.');

    fixture.stub.setReply(callingModel('local__get_weather', { city: 'Oslo' }));
    const again = await ask();
    expect(again.answer).toBe('Tool said: Sunny in Oslo');
  });

  it('pauses for approval before a tool without the read-only annotation (it may act on the world)', async () => {
    fixture.stub.setReply(callingModel('remote__add', { a: 1, b: 2 }));
    await allow(['remote__add']);
    const { trace } = await ask();
    expect(trace.tools?.steps[0]?.calls[0]?.outcome).toBe('awaiting_approval');
  });

  it('offers a server limited to other tenants to no one else', async () => {
    fixture.stub.setReply(callingModel('private__get_weather', { city: 'Oslo' }));
    await allow(['private__get_weather']);
    const { answer, trace } = await ask();
    expect(answer).not.toContain('Tool said');
    expect(trace.tools).toBeNull();
  });

  // Last: the SDK's key ends keyless access for the tests above.
  it("runs OpenAI's function-calling example with the tool run by Parley, whole and streamed", async () => {
    fixture.stub.setReply(callingModel('remote__get_weather', { city: 'Paris' }));
    await allow(['remote__get_weather']);
    const { sdk } = await openAiClient(fixture);
    const messages = [{ role: 'user' as const, content: 'What is the weather like in Paris today?' }];
    const completion = await sdk.chat.completions.create({ model: 'parley', messages });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.message.content).toBe('Tool said: Sunny in Paris');
    const stream = sdk.chat.completions.stream({ model: 'parley', messages });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('Tool said: Sunny in Paris');
    // Both model calls of each turn are in its usage.
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
  });
});
