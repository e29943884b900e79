// The HTTP server: Fastify only. Each area's routes are a plugin with typed options (the services
// it uses), SSE, the error handler, request schemas and the OpenAPI document, widget access. The
// composition root (app/) registers them.

export { auditChanges } from './audit-changes.js';
export { errorHandler, notFoundHandler } from './error-handler.js';
export { registerOpenApiDocument } from './openapi-document.js';
export { bearerMatches, createOperatorCheck, type OperatorCheck } from './operator-access.js';
export { apiDocsRoutes } from './routes/api-docs-routes.js';
export { auditRoutes } from './routes/audit-routes.js';
export { botRoutes } from './routes/bot-routes.js';
export { chatRoutes } from './routes/chat-routes.js';
export { conversationEventRoutes } from './routes/conversation-event-routes.js';
export { conversationListRoutes } from './routes/conversation-list-routes.js';
export { curatedRoutes } from './routes/curated-routes.js';
export { dashboardRoutes } from './routes/dashboard-routes.js';
export { documentRoutes } from './routes/document-routes.js';
export { feedbackRoutes } from './routes/feedback-routes.js';
export { handoffRoutes } from './routes/handoff-routes.js';
export { healthRoutes } from './routes/health-routes.js';
export { keyRoutes } from './routes/key-routes.js';
export { memoryRoutes } from './routes/memory-routes.js';
export { openAiRoutes } from './routes/openai-routes.js';
export { retentionRoutes } from './routes/retention-routes.js';
export { toolRoutes } from './routes/tool-routes.js';
export { turnStreamRoutes } from './routes/turn-stream-routes.js';
export { usageRoutes } from './routes/usage-routes.js';
export { userDataRoutes } from './routes/user-data-routes.js';
export { webRoutes } from './routes/web-routes.js';
export { useZodSchemas } from './schema-compilers.js';
export { callerOf } from './turn-context.js';
export { createWidgetAccess, loadServerSecret, VisitorTokens } from './widget/index.js';
