// The embeddable widget's server side: publishable-key access (CORS, routes, visitor ids, limits)
// and the binding of conversations to the visitors who started them.
export { loadServerSecret } from './server-secret.js';
export { assertVisitorOwns, bindVisitorConversation } from './visitor-conversations.js';
export { VISITOR_HEADER, VisitorTokens } from './visitor-token.js';
export { createWidgetAccess, USER_TOKEN_HEADER, type WidgetAccess } from './widget-access.js';
