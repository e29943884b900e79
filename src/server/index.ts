// The HTTP server: Fastify, the routes as thin adapters over the services, SSE, the error handler.
export { createApp, DEFAULT_TENANT, type ParleyApp } from './app.js';
