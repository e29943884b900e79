// The tools every test MCP server offers, whatever its transport: plain JavaScript so that
// `node stdio-server.mjs` runs without a build step. `crash` is the transport's to define (the
// stdio server exits, the HTTP server drops the connection), so it is passed in.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/**
 * @param {{ crash: () => void }} hooks
 * @returns {McpServer}
 */
export function createTestMcpServer(hooks) {
  const server = new McpServer({ name: 'parley-test', version: '1.0.0' }, { capabilities: { logging: {} } });

  server.registerTool(
    'get_weather',
    {
      description: 'The weather in a city',
      inputSchema: { city: z.string() },
      annotations: { readOnlyHint: true },
    },
    async ({ city }) => ({ content: [{ type: 'text', text: `Sunny in ${city}` }] }),
  );

  server.registerTool(
    'add',
    { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );

  // Resolves after `ms`, or rejects as soon as the client cancels the request.
  server.registerTool(
    'slow',
    { description: 'Waits, then answers', inputSchema: { ms: z.number() } },
    ({ ms }, extra) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve({ content: [{ type: 'text', text: 'done' }] }), ms);
        extra.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('cancelled'));
        });
      }),
  );

  // Over HTTP the log line opens the call's response stream first, so the crash cuts an answer
  // already under way rather than a request not yet answered at all.
  server.registerTool('crash', { description: 'Dies mid-call' }, async (extra) => {
    await extra.sendNotification({
      method: 'notifications/message',
      params: { level: 'info', data: 'crashing' },
    });
    hooks.crash();
    return new Promise(() => {});
  });

  server.registerTool('fail', { description: 'Reports a failure' }, async () => ({
    content: [{ type: 'text', text: 'it went wrong' }],
    isError: true,
  }));

  server.registerTool('picture', { description: 'Answers with text and an image' }, async () => ({
    content: [
      { type: 'text', text: 'a chart' },
      { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
    ],
  }));

  // Registering a tool on a connected server sends notifications/tools/list_changed, but over
  // HTTP that notice goes to the session's GET stream, which the client opens some time after
  // the handshake and may not have yet: sent on the call's own stream too, it cannot be missed.
  server.registerTool('add_tool', { description: 'Adds the tool extra_tool' }, async (extra) => {
    server.registerTool('extra_tool', { description: 'Added at run time' }, async () => ({
      content: [{ type: 'text', text: 'extra' }],
    }));
    await extra.sendNotification({ method: 'notifications/tools/list_changed' });
    return { content: [{ type: 'text', text: 'added' }] };
  });

  server.registerTool('whoami', { description: "The server process's id" }, async () => ({
    content: [{ type: 'text', text: String(process.pid) }],
  }));

  // A name the toolbox cannot offer a model (TOOL_NAME allows 64 characters, the prefix included).
  server.registerTool(`tool_${'x'.repeat(70)}`, { description: 'Too long a name' }, async () => ({
    content: [{ type: 'text', text: 'unreachable' }],
  }));

  return server;
}
