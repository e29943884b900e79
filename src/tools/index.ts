// The tool layer: what a tool is (tool-types.ts), where tools come from (tool-catalog.ts, the
// sources), and how every call is run (toolbox.ts: validation, timeout, breaker, concurrency).
export {
  type HttpToolDefinition,
  hostAllowed,
  httpTool,
  httpToolDefinition,
  SECRET_NAME,
} from './http/http-tool.js';
export { SecretBox } from './http/secret-box.js';
export {
  MAX_SECRETS_PER_TENANT,
  MAX_TOOLS_PER_TENANT,
  TenantHttpTools,
  type ToolView,
} from './http/tenant-http-tools.js';
export { MAX_SCHEMA_CHARS, schemaErrors, schemaValidator } from './json-schema.js';
export {
  type BotToolList,
  type CatalogTool,
  type SharedToolSource,
  type TenantToolSource,
  ToolCatalog,
} from './tool-catalog.js';
export {
  TOOL_NAME,
  type Tool,
  type ToolCallContext,
  type ToolDefinition,
  type ToolOutput,
  type ToolSource,
} from './tool-types.js';
export {
  DEFAULT_TOOLBOX_OPTIONS,
  Toolbox,
  type ToolboxOptions,
  type ToolOutcome,
  type ToolRun,
} from './toolbox.js';
