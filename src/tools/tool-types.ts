// The tool seam: what a tool is to the turn's tool loop, whatever runs it (Parley itself, an HTTP
// endpoint, an MCP server). A source lists tools; the toolbox (toolbox.ts) wraps every call with
// argument validation, a timeout, a circuit breaker and a concurrency limit, so a source only
// has to make the call.

/** OpenAI's rule for a function name, which every provider accepts. */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface ToolDefinition {
  /** The name the model calls it by (TOOL_NAME); unique among one bot's tools. */
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly parameters: Record<string, unknown>;
  /** Acts on the world (sends, books, changes): a call waits for approval before it runs. */
  readonly sideEffects: boolean;
  /** Longest one call may take, in ms (unset: the server's default). */
  readonly timeoutMs?: number;
}

/** Who a call is made for: tools act for one tenant's bot, never across tenants. */
export interface ToolCallContext {
  readonly tenantId: string;
  readonly botId: string;
  readonly conversationId: string;
  readonly turnId: string;
  /** Aborted when the call times out or the turn ends: a source must stop its work. */
  readonly signal: AbortSignal;
  /** For an approved action: the same key whoever runs it again (HTTP tools send `Idempotency-Key`). */
  readonly idempotencyKey?: string;
}

/** What a call returned, as text for the model; `isError`: the tool reports a failure. */
export interface ToolOutput {
  readonly text: string;
  readonly isError: boolean;
}

export interface Tool extends ToolDefinition {
  /** Runs the call with arguments already validated against `parameters`. Throws on a transport fault. */
  call(args: Record<string, unknown>, context: ToolCallContext): Promise<ToolOutput>;
}

/** Where tools come from: a tenant's HTTP tools, an MCP server, the built-ins. */
export interface ToolSource {
  /** Stable id, e.g. `mcp:files`, for traces and metrics. */
  readonly id: string;
  /** The tools on offer now (an MCP source refreshes its list when the server says it changed). */
  list(signal?: AbortSignal): Promise<readonly Tool[]>;
  /** Lets go of connections and child processes. */
  close(): Promise<void>;
}
