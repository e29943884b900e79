// Tools from one MCP server, through the official SDK client. The connection opens on the first
// list() and is replaced by a fresh one (a new child process, a new HTTP session) after a
// transport fault, so one crash does not end the source. The tool list is cached until the
// server says it changed (notifications/tools/list_changed) or the connection is replaced.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolResultSchema,
  ErrorCode,
  McpError,
  type Tool as McpTool,
} from '@modelcontextprotocol/sdk/types.js';
import {
  TOOL_NAME,
  type Tool,
  type ToolCallContext,
  type ToolOutput,
  type ToolSource,
} from '../tool-types.js';
import { callResultText } from './call-result-text.js';
import type { McpServerConfig } from './mcp-server-config.js';
import { openTransport } from './open-transport.js';

export interface McpToolSourceOptions {
  /** The server said its tools changed; the next list() fetches them. */
  readonly onToolsChanged?: () => void;
  /** A line the stdio server wrote to stderr; dropped when unset. */
  readonly onStderr?: (line: string) => void;
  /** A fault the SDK reports outside any request (a lost event stream, a bad message). */
  readonly onError?: (error: Error) => void;
  /** Longest wait for the handshake or a tools/list page, in ms (60 s). */
  readonly requestTimeoutMs?: number;
  /**
   * Longest one call may take, in ms (10 min): a backstop only, since the toolbox aborts the
   * call's signal at its own, shorter timeout. The SDK would otherwise stop every call at 60 s.
   */
  readonly callTimeoutMs?: number;
}

interface Connection {
  readonly client: Client;
  readonly transport: Transport;
  /** Settles when the handshake is done. */
  readonly ready: Promise<void>;
  dropped: boolean;
}

/** Separates the server's name from its tool's in the name the model sees. */
const SEPARATOR = '__';
/** A server that hands out cursors for ever must not keep list() going for ever. */
const MAX_LIST_PAGES = 100;

export class McpToolSource implements ToolSource {
  readonly id: string;
  private connection: Connection | undefined;
  /** Bumped when the list may have changed: list_changed, or a new connection. */
  private generation = 0;
  private listing: { generation: number; tools: Promise<readonly Tool[]> } | undefined;
  private skipped: readonly string[] = [];
  private closed = false;
  /** The signal of the call under way, for the HTTP transport's fetch (watch-call-streams.ts). */
  private readonly callSignals = new AsyncLocalStorage<AbortSignal>();

  constructor(
    private readonly config: McpServerConfig,
    private readonly options: McpToolSourceOptions = {},
  ) {
    this.id = `mcp:${config.name}`;
  }

  /** The server's tools left out of the last list because their prefixed name breaks TOOL_NAME. */
  get skippedTools(): readonly string[] {
    return this.skipped;
  }

  async list(signal?: AbortSignal): Promise<readonly Tool[]> {
    this.assertOpen();
    if (this.listing?.generation !== this.generation) {
      // One fetch serves every caller, so it runs without any one caller's signal.
      const tools = this.fetchTools();
      this.listing = { generation: this.generation, tools };
      tools.catch(() => {
        if (this.listing?.tools === tools) this.listing = undefined;
      });
    }
    return untilAborted(this.listing.tools, signal);
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    this.listing = undefined;
    if (connection) await this.drop(connection, { endSession: true });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.id} is closed`);
  }

  private connect(): Connection {
    if (this.connection) return this.connection;
    let connection: Connection | undefined;
    const transport = openTransport(this.config, {
      onStderr: (line) => this.options.onStderr?.(line),
      onCallStreamLost: () => {
        if (connection) void this.drop(connection);
      },
      callSignal: () => this.callSignals.getStore(),
    });
    const client = new Client(
      { name: 'parley', version: '1' },
      {
        // No debounce and no refetch by the SDK: the cache is only marked stale, and the next
        // list() fetches every page (the SDK's own refresh reads the first page only).
        listChanged: {
          tools: { autoRefresh: false, debounceMs: 0, onChanged: () => this.toolsChanged(connection) },
        },
      },
    );
    client.onclose = () => {
      if (connection) void this.drop(connection);
    };
    client.onerror = (error) => {
      // Closing aborts the transport's streams, which it reports too: not a fault worth a log line.
      if (!connection?.dropped) this.options.onError?.(error);
    };
    const ready = client.connect(transport, { timeout: this.options.requestTimeoutMs });
    connection = { client, transport, ready, dropped: false };
    ready.catch(() => {
      if (connection) void this.drop(connection);
    });
    this.connection = connection;
    return connection;
  }

  private toolsChanged(connection: Connection | undefined): void {
    if (connection !== this.connection) return;
    this.generation += 1;
    this.options.onToolsChanged?.();
  }

  /** Forgets a connection (the next list() or call() opens another) and closes it. */
  private async drop(connection: Connection, { endSession = false } = {}): Promise<void> {
    if (connection.dropped) return;
    connection.dropped = true;
    if (this.connection === connection) {
      this.connection = undefined;
      this.generation += 1; // a restarted server may offer other tools
    }
    if (endSession && connection.transport instanceof StreamableHTTPClientTransport) {
      // Lets the server free the session now rather than at its idle timeout, if it has one.
      await settledWithin(connection.transport.terminateSession(), END_SESSION_WAIT_MS);
    }
    // Closing rejects the calls still waiting on this connection and ends a stdio child.
    await connection.client.close().catch((error: unknown) => this.options.onError?.(asError(error)));
  }

  /** A fault of the connection itself, rather than the server's answer, retires it. */
  private dropOnFault(connection: Connection, error: unknown): void {
    const answered = error instanceof McpError && error.code !== ErrorCode.ConnectionClosed;
    if (!answered) void this.drop(connection);
  }

  private async fetchTools(): Promise<readonly Tool[]> {
    const connection = this.connect();
    const listed: McpTool[] = [];
    try {
      await connection.ready;
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await connection.client.listTools(cursor === undefined ? undefined : { cursor }, {
          timeout: this.options.requestTimeoutMs,
        });
        listed.push(...page.tools);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== undefined && pages < MAX_LIST_PAGES);
    } catch (error) {
      this.dropOnFault(connection, error);
      throw error;
    }
    const tools: Tool[] = [];
    const skipped: string[] = [];
    for (const tool of listed) {
      const name = `${this.config.name}${SEPARATOR}${tool.name}`;
      if (TOOL_NAME.test(name)) tools.push(this.toTool(name, tool));
      else skipped.push(tool.name);
    }
    this.skipped = skipped;
    return tools;
  }

  private toTool(name: string, tool: McpTool): Tool {
    return {
      name,
      description: tool.description ?? tool.title ?? '',
      parameters: tool.inputSchema,
      // MCP's default for a tool without annotations is that it may change the world.
      sideEffects: tool.annotations?.readOnlyHint !== true,
      call: (args, context) => this.call(tool.name, args, context),
    };
  }

  private async call(
    name: string,
    args: Record<string, unknown>,
    context: ToolCallContext,
  ): Promise<ToolOutput> {
    this.assertOpen();
    const connection = this.connect();
    try {
      await untilAborted(connection.ready, context.signal);
      const result = await this.callSignals.run(context.signal, () =>
        connection.client.callTool({ name, arguments: args }, CallToolResultSchema, {
          signal: context.signal,
          timeout: this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
        }),
      );
      // Already parsed by that schema; callTool's declared type also admits the pre-2024-11 shape.
      return callResultText(CallToolResultSchema.parse(result));
    } catch (error) {
      // The SDK rejects an aborted request with its own McpError; the caller's reason says why.
      if (context.signal.aborted) throw context.signal.reason;
      this.dropOnFault(connection, error);
      if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
        throw new Error(`${this.id}: the connection closed during ${name}`, { cause: error });
      }
      throw error;
    }
  }
}

const DEFAULT_CALL_TIMEOUT_MS = 10 * 60_000;
/** close() asks an HTTP server to end the session, but does not wait long on one that hangs. */
const END_SESSION_WAIT_MS = 2000;

/** Waits for the promise (whatever its outcome) at most `ms`. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise.catch(() => {}), elapsed]);
  clearTimeout(timer);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The promise, or a rejection with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
