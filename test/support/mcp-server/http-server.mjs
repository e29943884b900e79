// The test MCP server over streamable HTTP on 127.0.0.1, on a port the system picks: prints
// `listening <url>` on stdout when ready, then `call closed <tool>` as each call's response
// ends. One McpServer per session, as the SDK's examples do. A `crash` call has its socket
// destroyed mid-answer, as by a server that dies.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createTestMcpServer } from './test-tools.mjs';

/** @type {Map<string, StreamableHTTPServerTransport>} */
const sessions = new Map();

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The `crash` call dies once its answer has begun: its response stream is open and its first
 * event (the tool's log line) has reached the client, then the socket is destroyed.
 */
function cutAfterFirstEvent(res) {
  const write = res.write.bind(res);
  res.write = (chunk, ...rest) => {
    if (!Buffer.from(chunk).toString('utf8').includes('crashing')) return write(chunk, ...rest);
    return write(chunk, () => res.socket?.destroy());
  };
}

async function handle(req, res) {
  const body = req.method === 'POST' ? await readJson(req) : undefined;
  const sessionId = req.headers['mcp-session-id'];
  let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
  if (!transport && sessionId === undefined && isInitializeRequest(body)) {
    const created = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => sessions.set(id, created),
    });
    created.onclose = () => {
      if (created.sessionId) sessions.delete(created.sessionId);
    };
    const server = createTestMcpServer({ crash: () => {} }); // cutAfterFirstEvent does it
    await server.connect(created);
    transport = created;
  }
  if (!transport) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }),
    );
    return;
  }
  if (body?.method === 'tools/call' && body.params?.name === 'crash') cutAfterFirstEvent(res);
  if (body?.method === 'tools/call') {
    // Lets a test see that a call's response stream was let go of, cancelled calls included.
    res.on('close', () => process.stdout.write(`call closed ${body.params?.name}\n`));
  }
  await transport.handleRequest(req, res, body);
}

const httpServer = createServer((req, res) => {
  handle(req, res).catch((error) => {
    process.stderr.write(`${error}\n`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
httpServer.listen(0, '127.0.0.1', () => {
  const address = httpServer.address();
  if (address && typeof address === 'object') {
    process.stdout.write(`listening http://127.0.0.1:${address.port}/mcp\n`);
  }
});
