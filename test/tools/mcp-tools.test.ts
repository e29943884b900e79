// The MCP tool source against a real MCP server (the SDK's McpServer), over both transports:
// a child process on stdio, and streamable HTTP on a local port.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type McpServerConfig, McpToolSource, type McpToolSourceOptions } from '../../src/tools/mcp/index.js';
import type { Tool, ToolCallContext, ToolSource } from '../../src/tools/tool-types.js';
import {
  type HttpMcpServer,
  STDIO_SERVER_PATH,
  startHttpMcpServer,
} from '../support/mcp-server/http-server-process.js';

function callContext(signal: AbortSignal = new AbortController().signal): ToolCallContext {
  return { tenantId: 'tenant', botId: 'bot', conversationId: 'conversation', turnId: 'turn', signal };
}

async function findTool(source: ToolSource, name: string): Promise<Tool> {
  const tool = (await source.list()).find((candidate) => candidate.name === name);
  if (!tool) throw new Error(`no tool ${name}`);
  return tool;
}

async function call(source: ToolSource, name: string, args: Record<string, unknown> = {}) {
  return (await findTool(source, name)).call(args, callContext());
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A call that must fail fast rather than wait for a timeout: well under the SDK's 60 s. */
const PROMPTLY_MS = 5000;

describe.each(['stdio', 'http'] as const)('MCP tools over %s', (transport) => {
  let httpServer: HttpMcpServer | undefined;
  const sources: McpToolSource[] = [];

  beforeAll(async () => {
    if (transport === 'http') httpServer = await startHttpMcpServer();
  });
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((source) => source.close()));
  });
  afterAll(async () => {
    await httpServer?.stop();
  });

  function openSource(options?: McpToolSourceOptions): McpToolSource {
    const config: McpServerConfig =
      transport === 'stdio'
        ? { name: 'test', transport, command: process.execPath, args: [STDIO_SERVER_PATH] }
        : { name: 'test', transport, url: httpServer!.url };
    const source = new McpToolSource(config, options);
    sources.push(source);
    return source;
  }

  it('lists the server tools under prefixed names, with their schemas and side effects', async () => {
    const source = openSource();
    expect(source.id).toBe('mcp:test');
    const tools = await source.list();
    const weather = tools.find((tool) => tool.name === 'test__get_weather');
    expect(weather).toMatchObject({
      description: 'The weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      sideEffects: false,
    });
    expect(weather?.timeoutMs).toBeUndefined();
    expect(tools.find((tool) => tool.name === 'test__add')).toMatchObject({ sideEffects: true });
    // A name that would break TOOL_NAME (64 characters at most) is left out, and remembered.
    expect(tools.every((tool) => tool.name.length <= 64)).toBe(true);
    expect(source.skippedTools).toEqual([`tool_${'x'.repeat(70)}`]);
  });

  it('calls a tool with its arguments and returns its text', async () => {
    const source = openSource();
    expect(await call(source, 'test__add', { a: 2, b: 3 })).toEqual({ text: '5', isError: false });
    expect(await call(source, 'test__get_weather', { city: 'Oslo' })).toEqual({
      text: 'Sunny in Oslo',
      isError: false,
    });
  });

  it('describes content other than text in a few words', async () => {
    const source = openSource();
    expect(await call(source, 'test__picture')).toEqual({
      text: 'a chart\n[image image/png]',
      isError: false,
    });
  });

  it('passes on a result the tool marks as an error', async () => {
    const source = openSource();
    expect(await call(source, 'test__fail')).toEqual({ text: 'it went wrong', isError: true });
  });

  it('rejects a slow call as soon as its signal aborts, with the signal reason', async () => {
    const source = openSource();
    const slow = await findTool(source, 'test__slow');
    const controller = new AbortController();
    const pending = slow.call({ ms: 600_000 }, callContext(controller.signal));
    // A round trip on the same connection: the slow call has been sent by the time it returns.
    expect((await call(source, 'test__add', { a: 1, b: 1 })).text).toBe('2');
    const released = httpServer?.callClosed('slow');
    const started = performance.now();
    const reason = new Error('turn ended');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(PROMPTLY_MS);
    // Over HTTP the server never answers a cancelled call: its request must not stay open.
    await released;
    // The connection outlives a cancelled call.
    expect((await call(source, 'test__add', { a: 2, b: 2 })).text).toBe('4');
  });

  it('rejects a call the server dies during, and reconnects for the next one', async () => {
    const source = openSource();
    const before = Number((await call(source, 'test__whoami')).text);
    const started = performance.now();
    await expect(call(source, 'test__crash')).rejects.toThrow('mcp:test: the connection closed during crash');
    expect(performance.now() - started).toBeLessThan(PROMPTLY_MS);
    expect(await call(source, 'test__add', { a: 20, b: 22 })).toEqual({ text: '42', isError: false });
    const after = Number((await call(source, 'test__whoami')).text);
    // Over stdio the crash is the process's exit: a new one serves the next call.
    if (transport === 'stdio') expect(after).not.toBe(before);
    else expect(after).toBe(before);
  });

  it('refreshes its list when the server says the tools changed', async () => {
    let changed: () => void = () => {};
    const toolsChanged = new Promise<void>((resolve) => {
      changed = resolve;
    });
    const source = openSource({ onToolsChanged: () => changed() });
    const names = async () => (await source.list()).map((tool) => tool.name);
    expect(await names()).not.toContain('test__extra_tool');
    expect((await call(source, 'test__add_tool')).text).toBe('added');
    await toolsChanged;
    expect(await names()).toContain('test__extra_tool');
    expect(await call(source, 'test__extra_tool')).toEqual({ text: 'extra', isError: false });
  });

  it('serves the cached list until something changes', async () => {
    const source = openSource();
    const first = await source.list();
    expect(await source.list()).toBe(first);
  });

  it('lets go of the server on close and refuses use afterwards', async () => {
    const source = openSource();
    const pid = Number((await call(source, 'test__whoami')).text);
    const weather = await findTool(source, 'test__get_weather');
    await source.close();
    if (transport === 'stdio') expect(isRunning(pid)).toBe(false);
    await expect(source.list()).rejects.toThrow(/closed/);
    await expect(weather.call({ city: 'Oslo' }, callContext())).rejects.toThrow(/closed/);
  });
});

describe('MCP tool source over stdio', () => {
  it("hands the server's stderr lines to onStderr", async () => {
    const lines: string[] = [];
    let sawReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      sawReady = resolve;
    });
    const source = new McpToolSource(
      { name: 'test', transport: 'stdio', command: process.execPath, args: [STDIO_SERVER_PATH] },
      {
        onStderr: (line) => {
          lines.push(line);
          if (line.endsWith('ready')) sawReady();
        },
      },
    );
    try {
      const pid = Number((await call(source, 'test__whoami')).text);
      await ready;
      expect(lines).toContain(`test server ${pid} ready`);
    } finally {
      await source.close();
    }
  });

  it('gives up waiting for the list when the caller aborts', async () => {
    const source = new McpToolSource({
      name: 'test',
      transport: 'stdio',
      command: process.execPath,
      args: [STDIO_SERVER_PATH],
    });
    try {
      const controller = new AbortController();
      const listing = source.list(controller.signal);
      controller.abort(new Error('turn ended'));
      await expect(listing).rejects.toThrow('turn ended');
      // The list is still fetched for the next caller.
      expect((await source.list()).length).toBeGreaterThan(0);
    } finally {
      await source.close();
    }
  });
});

describe('MCP tool source faults', () => {
  it('rejects list() when the stdio command cannot start, and tries again on the next', async () => {
    const source = new McpToolSource({
      name: 'missing',
      transport: 'stdio',
      command: 'parley-no-such-command',
    });
    try {
      await expect(source.list()).rejects.toThrow(/ENOENT/);
      await expect(source.list()).rejects.toThrow(/ENOENT/);
    } finally {
      await source.close();
    }
  });

  it('rejects list() promptly when no HTTP server listens', async () => {
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    const source = new McpToolSource({ name: 'gone', transport: 'http', url: 'http://127.0.0.1:9/mcp' });
    try {
      await expect(source.list()).rejects.toThrow();
    } finally {
      await source.close();
    }
  });
});
