// Which MCP servers a deployment offers tools from: one entry per server, read from a setting as
// a JSON list. A server is a child process spoken to over stdio, or a streamable HTTP endpoint.
import { z } from 'zod';

/**
 * A server's name prefixes its tools (`<name>__<tool>`), so it uses only the characters a tool
 * name may (TOOL_NAME) and leaves room for the tool's own name within its 64.
 */
const serverName = z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'letters, digits, _ and -, at most 32');

const stringMap = z.record(z.string(), z.string());

export const mcpServerConfigSchema = z.discriminatedUnion('transport', [
  z.object({
    name: serverName,
    transport: z.literal('stdio'),
    /** The program to start, found on PATH; it inherits only a few variables (HOME, PATH...) and `env`. */
    command: z.string().min(1),
    args: z.array(z.string()).optional(),
    env: stringMap.optional(),
    cwd: z.string().min(1).optional(),
  }),
  z.object({
    name: serverName,
    transport: z.literal('http'),
    /** The streamable HTTP endpoint, e.g. `https://tools.example.com/mcp`. */
    url: z.url({ protocol: /^https?$/ }),
    /** Sent with every request, e.g. `Authorization`. */
    headers: stringMap.optional(),
  }),
]);

/** Several servers, their names unique since they prefix the tools' names. */
export const mcpServerListSchema = z
  .array(mcpServerConfigSchema)
  .refine((servers) => new Set(servers.map((server) => server.name)).size === servers.length, {
    message: 'MCP server names must be unique',
  });

export type McpServerConfig = z.infer<typeof mcpServerConfigSchema>;
