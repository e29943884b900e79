// The test MCP server over stdio: `node stdio-server.mjs`. Its `crash` tool exits the process
// mid-call, as a server that dies would.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createTestMcpServer } from './test-tools.mjs';

const server = createTestMcpServer({ crash: () => process.exit(1) });
await server.connect(new StdioServerTransport());
// A log line, as servers write to stderr (stdout carries the protocol).
process.stderr.write(`test server ${process.pid} ready\n`);
