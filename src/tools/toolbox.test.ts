import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Tool, ToolCallContext, ToolOutput } from './tool-types.js';
import { Toolbox } from './toolbox.js';

const context = (signal = new AbortController().signal): ToolCallContext => ({
  tenantId: 't1',
  botId: 'parley',
  conversationId: 'c1',
  turnId: 'u1',
  signal,
});

const weather = (call: Tool['call'], extra: Partial<Tool> = {}): Tool => ({
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string', minLength: 1 } },
    required: ['city'],
    additionalProperties: false,
  },
  sideEffects: false,
  call,
  ...extra,
});

const ok = (text: string): Promise<ToolOutput> => Promise.resolve({ text, isError: false });

afterEach(() => {
  vi.useRealTimers();
});

describe('Toolbox', () => {
  it('runs a call whose arguments match the schema, and passes them parsed', async () => {
    const call = vi.fn((args: Record<string, unknown>) => ok(`14°C in ${String(args.city)}`));
    const run = await new Toolbox().run(
      'k',
      weather(call),
      { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      context(),
    );
    expect(run).toMatchObject({
      outcome: 'ok',
      content: '14°C in Oslo',
      args: { city: 'Oslo' },
      truncated: false,
    });
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('never calls the tool with arguments the schema refuses, and tells the model why', async () => {
    const call = vi.fn(() => ok('never'));
    const toolbox = new Toolbox();
    const wrong = await toolbox.run(
      'k',
      weather(call),
      { name: 'get_weather', arguments: '{"town":"Oslo"}' },
      context(),
    );
    expect(wrong.outcome).toBe('invalid_arguments');
    expect(wrong.content).toMatch(/Invalid arguments for get_weather: .*city/);
    const notJson = await toolbox.run(
      'k',
      weather(call),
      { name: 'get_weather', arguments: '{city:' },
      context(),
    );
    expect(notJson).toMatchObject({ outcome: 'invalid_arguments', args: undefined });
    expect(notJson.content).toMatch(/not valid JSON/);
    expect(call).not.toHaveBeenCalled();
  });

  it('answers a call of a tool it does not have as unknown', async () => {
    const run = await new Toolbox().run('k', undefined, { name: 'rm_rf', arguments: '{}' }, context());
    expect(run.outcome).toBe('unknown_tool');
    expect(run.content).toContain('rm_rf');
  });

  it('gives up on a call past its timeout and aborts it, even when the tool ignores the signal', async () => {
    vi.useFakeTimers();
    let seen: AbortSignal | undefined;
    const tool = weather(
      (_, ctx) => {
        seen = ctx.signal;
        return new Promise<ToolOutput>(() => {});
      },
      { timeoutMs: 2_000 },
    );
    const running = new Toolbox().run(
      'k',
      tool,
      { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      context(),
    );
    await vi.advanceTimersByTimeAsync(2_000);
    const run = await running;
    expect(run.outcome).toBe('timeout');
    expect(run.content).toMatch(/did not answer within 2000 ms/);
    expect(seen?.aborted).toBe(true);
  });

  it('ends a call when the turn ends', async () => {
    const turn = new AbortController();
    let started!: () => void;
    const calling = new Promise<void>((resolve) => {
      started = resolve;
    });
    const tool = weather(() => {
      started();
      return new Promise<ToolOutput>(() => {});
    });
    const running = new Toolbox().run(
      'k',
      tool,
      { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      context(turn.signal),
    );
    await calling;
    turn.abort(new Error('client left'));
    expect(await running).toMatchObject({ outcome: 'failed', error: 'client left' });
  });

  it('reports a failure the tool itself returns as tool_error, and one it throws as failed', async () => {
    const toolbox = new Toolbox();
    const reported = await toolbox.run(
      'a',
      weather(() => Promise.resolve({ text: 'HTTP 404: no such city', isError: true })),
      { name: 'get_weather', arguments: '{"city":"Atlantis"}' },
      context(),
    );
    expect(reported).toMatchObject({ outcome: 'tool_error', content: 'HTTP 404: no such city' });
    const thrown = await toolbox.run(
      'b',
      weather(() => Promise.reject(new Error('HTTP 500'))),
      { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      context(),
    );
    expect(thrown).toMatchObject({ outcome: 'failed', error: 'HTTP 500' });
    expect(thrown.content).not.toContain('HTTP 500');
  });

  it('opens a tool circuit after consecutive faults: the tool is not called until it half-opens', async () => {
    const call = vi.fn(() => Promise.reject(new Error('down')));
    const toolbox = new Toolbox({ breakerThreshold: 2 });
    const args = { name: 'get_weather', arguments: '{"city":"Oslo"}' };
    expect((await toolbox.run('k', weather(call), args, context())).outcome).toBe('failed');
    expect((await toolbox.run('k', weather(call), args, context())).outcome).toBe('failed');
    expect(toolbox.isOpen('k')).toBe(true);
    const skipped = await toolbox.run('k', weather(call), args, context());
    expect(skipped.outcome).toBe('circuit_open');
    expect(call).toHaveBeenCalledTimes(2);
    // Another tool's circuit is its own.
    expect(
      (
        await toolbox.run(
          'other',
          weather(() => ok('fine')),
          args,
          context(),
        )
      ).outcome,
    ).toBe('ok');
  });

  it('refuses calls beyond its concurrency and queue, rather than piling them up', async () => {
    const release: (() => void)[] = [];
    const tool = weather(
      () =>
        new Promise<ToolOutput>((resolve) => {
          release.push(() => resolve({ text: 'done', isError: false }));
        }),
    );
    const toolbox = new Toolbox({ concurrency: 1, queue: 1 });
    const args = { name: 'get_weather', arguments: '{"city":"Oslo"}' };
    const first = toolbox.run('k', tool, args, context());
    const second = toolbox.run('k', tool, args, context());
    const third = await toolbox.run('k', tool, args, context());
    expect(third.outcome).toBe('busy');
    release.shift()?.();
    expect((await first).outcome).toBe('ok');
    await vi.waitFor(() => expect(release).toHaveLength(1));
    release.shift()?.();
    expect((await second).outcome).toBe('ok');
  });

  it('caps a long result and says how much was cut', async () => {
    const run = await new Toolbox({ maxResultChars: 10 }).run(
      'k',
      weather(() => ok('x'.repeat(25))),
      { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      context(),
    );
    expect(run).toMatchObject({ outcome: 'ok', truncated: true, resultChars: 25 });
    expect(run.content).toBe(`${'x'.repeat(10)}\n[truncated: 15 more characters]`);
  });
});
