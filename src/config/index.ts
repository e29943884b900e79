export { ConfigError, loadConfig } from './load-config.js';
export { type McpServerConfig, mcpServerConfigSchema, mcpServerListSchema } from './mcp-servers.js';
export { type Settings, settingsSchema } from './settings.js';
export * from './slices.js';
