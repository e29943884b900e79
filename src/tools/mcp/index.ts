// Tools from MCP servers: one source per configured server.
export {
  type McpServerConfig,
  mcpServerConfigSchema,
  mcpServerListSchema,
} from './mcp-server-config.js';
export { McpToolSource, type McpToolSourceOptions } from './mcp-tool-source.js';
