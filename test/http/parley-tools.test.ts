// Tools Parley runs itself, inside the turn: the built-in knowledge search, the step limit, and
// arguments the model gets wrong, over the stub model speaking OpenAI's and Anthropic's real
// tool-call wire formats. Every step's tokens are the turn's; every call is in the trace.
import { describe, expect, it } from 'vitest';
import { type ChatFixture, useChatFixture } from '../support/chat-fixture.js';
import { RETURNS, TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import type { StubAnswer, StubPrompt } from '../support/stub-provider/index.js';
import { eventually } from '../support/test-backend.js';

interface ToolTrace {
  tools: {
    offered: string[];
    steps: {
      model: string;
      input_tokens: number;
      output_tokens: number;
      calls: { tool: string; source: string; outcome: string; arguments: string; error?: string }[];
    }[];
    stopped: string | null;
  } | null;
  usage: { prompt_tokens: number; completion_tokens: number };
}

interface ChatBody {
  answer: string;
  turn_id: string;
  citations: { title: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** What the tools answered so far: the messages after the question. */
const toolResults = (prompt: StubPrompt) => prompt.messages.slice(1).map((message) => message.text);

const search = (query: unknown): StubAnswer => ({
  toolCalls: [{ name: 'knowledge_search', arguments: JSON.stringify(query) }],
});

/** A model that searches again for returns when it can, then answers citing what it found. */
function searchingModel(prompt: StubPrompt): string | StubAnswer {
  const results = toolResults(prompt);
  const found = results.join('\n').match(/<passage n="(\d+)" source="Returns/);
  if (found) return `Items can be returned within 30 days [${found[1]}].`;
  if (prompt.tools.includes('knowledge_search')) return search({ query: 'returning items with a receipt' });
  return 'I do not know.';
}

const setTools = (fixture: ChatFixture, tools: Record<string, unknown> | null) =>
  call(fixture.app, { method: 'PATCH', url: '/v1/bots/parley', payload: { settings: { tools } } });

const traceOf = (fixture: ChatFixture, turnId: string) =>
  eventually(async () => {
    const response = await call<ToolTrace>(fixture.app, { method: 'GET', url: `/v1/turns/${turnId}/trace` });
    return response.status === 200 ? response.body : undefined;
  });

describe.each([
  ['OpenAI', 'openai:stub-model'],
  ['Anthropic', 'anthropic:claude-sonnet-4-6'],
])('Parley-run tools through a %s model', (_provider, models) => {
  const fixture = useChatFixture({ models, documents: [TIDES, RETURNS] });

  it('lets the model search the documents again with its own query, and cites what it found', async () => {
    fixture.stub.setReply(searchingModel);
    expect((await setTools(fixture, { allow: ['knowledge_search'] })).status).toBe(200);
    const before = fixture.stub.requests.length;
    const response = await fixture.chat<ChatBody>({ message: 'What causes the tides?' });
    expect(response.status).toBe(200);
    const [first, second] = fixture.stub.requests
      .slice(before)
      .map((request) => JSON.stringify(request.body));
    expect(first).toContain('knowledge_search');
    // The second call reads the search's passages, numbered after the prompt's.
    expect(second).toContain('Items can be returned within 30 days');
    expect(response.body.answer).toMatch(/Items can be returned within 30 days \[\d\]\./);
    expect(response.body.citations.map((citation) => citation.title)).toContain('Returns');

    const trace = await traceOf(fixture, response.body.turn_id);
    expect(trace.tools?.offered).toEqual(['knowledge_search']);
    expect(trace.tools?.steps).toHaveLength(1);
    expect(trace.tools?.steps[0]?.calls).toEqual([
      expect.objectContaining({ tool: 'knowledge_search', source: 'builtin', outcome: 'ok' }),
    ]);
    // Both model calls' tokens are the turn's.
    const step = trace.tools!.steps[0]!;
    expect(step.input_tokens).toBeGreaterThan(0);
    expect(response.body.usage.prompt_tokens).toBeGreaterThan(step.input_tokens);
    expect(trace.usage).toMatchObject({
      prompt_tokens: response.body.usage.prompt_tokens,
      completion_tokens: response.body.usage.completion_tokens,
    });
  });

  it('makes the model answer without tools once the step limit is reached', async () => {
    // A model that would search for ever.
    fixture.stub.setReply((prompt) =>
      prompt.tools.includes('knowledge_search')
        ? search({ query: 'tides again' })
        : 'The Moon pulls the oceans.',
    );
    await setTools(fixture, { allow: ['knowledge_search'], max_steps: 2 });
    const before = fixture.stub.requests.length;
    const response = await fixture.chat<ChatBody>({ message: 'What causes the tides?' });
    expect(response.status).toBe(200);
    expect(response.body.answer).toBe('The Moon pulls the oceans.');
    const sent = fixture.stub.requests.slice(before).map((request) => JSON.stringify(request.body));
    expect(sent).toHaveLength(3);
    expect(sent[2]).not.toContain('"knowledge_search","description"');
    const trace = await traceOf(fixture, response.body.turn_id);
    expect(trace.tools?.steps).toHaveLength(2);
    expect(trace.tools?.stopped).toBe('step_limit');
  });

  it('sends invalid arguments back to the model, which calls again correctly', async () => {
    fixture.stub.setReply((prompt) => {
      const results = toolResults(prompt).join('\n');
      if (results.includes('source="Returns')) return 'Within 30 days.';
      if (results.includes('Invalid arguments for knowledge_search')) return search({ query: 'returns' });
      return search({ q: 'returns' });
    });
    await setTools(fixture, { allow: ['knowledge_search'] });
    const response = await fixture.chat<ChatBody>({ message: 'How do returns work?' });
    expect(response.body.answer).toBe('Within 30 days.');
    const trace = await traceOf(fixture, response.body.turn_id);
    expect(trace.tools?.steps.map((step) => step.calls[0]?.outcome)).toEqual(['invalid_arguments', 'ok']);
    expect(trace.tools?.steps[0]?.calls[0]?.error).toMatch(/query/);
  });

  it('stops offering tools to a model that keeps getting the arguments wrong', async () => {
    fixture.stub.setReply((prompt) =>
      prompt.tools.includes('knowledge_search') ? search({ q: 'returns' }) : 'I could not search.',
    );
    await setTools(fixture, { allow: ['knowledge_search'], max_steps: 10 });
    const response = await fixture.chat<ChatBody>({ message: 'How do returns work?' });
    expect(response.body.answer).toBe('I could not search.');
    const trace = await traceOf(fixture, response.body.turn_id);
    expect(trace.tools?.steps).toHaveLength(3);
    expect(trace.tools?.stopped).toBe('invalid_arguments');
  });

  it('offers no tools to a bot that allows none', async () => {
    fixture.stub.setReply(searchingModel);
    await setTools(fixture, null);
    const before = fixture.stub.requests.length;
    const response = await fixture.chat<ChatBody>({ message: 'What causes the tides?' });
    expect(response.body.answer).toBe('I do not know.');
    expect(fixture.stub.requests.length - before).toBe(1);
    const trace = await traceOf(fixture, response.body.turn_id);
    expect(trace.tools).toBeNull();
  });
});
