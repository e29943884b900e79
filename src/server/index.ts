// Server layer: the HTTP app, auth and the process runtime.

export { createApp, DEFAULT_TENANT, type ParleyApp } from './app.js';
export { createApiKey, ensureTenant, KeyVerifier } from './auth/api-keys.js';
export { createRuntime, type Runtime, type RuntimeOptions } from './runtime.js';
