// The SDK transport for one server config: a child process over stdio, or streamable HTTP.
import { StringDecoder } from 'node:string_decoder';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from './mcp-server-config.js';
import { watchCallStreams } from './watch-call-streams.js';

export interface TransportHooks {
  /** A line the stdio server wrote to stderr (its log). */
  readonly onStderr: (line: string) => void;
  /** The HTTP server cut a call's response stream before answering. */
  readonly onCallStreamLost: (error: unknown) => void;
  /** The signal of the call being sent, so that cancelling it ends its HTTP request. */
  readonly callSignal: () => AbortSignal | undefined;
}

export function openTransport(config: McpServerConfig, hooks: TransportHooks): Transport {
  if (config.transport === 'http') {
    return new StreamableHTTPClientTransport(new URL(config.url), {
      requestInit: config.headers ? { headers: config.headers } : undefined,
      fetch: watchCallStreams(fetch, { onLost: hooks.onCallStreamLost, callSignal: hooks.callSignal }),
    });
  }
  const transport = new StdioClientTransport({
    command: config.command,
    args: config.args,
    env: config.env,
    cwd: config.cwd,
    // Piped, not inherited: a child's log lines must not mix into Parley's JSON log on stdout.
    stderr: 'pipe',
  });
  forwardLines(transport, hooks.onStderr);
  return transport;
}

/** Reads the child's stderr as it comes (unread, a full pipe would block the child). */
function forwardLines(transport: StdioClientTransport, onLine: (line: string) => void): void {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + decoder.write(chunk)).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onLine(line);
  });
}
