// The composition root: builds a process's services once from the config (createRuntime) and the
// HTTP app over them (createApp). Commands, tests and benchmarks start Parley through here.
export { createApiKey, ensureTenant } from '../edge/index.js';
export { createApp, DEFAULT_TENANT, type ParleyApp } from './http-app.js';
export { createOpsApp } from './ops-app.js';
export { createRuntime, type Runtime, type RuntimeOptions } from './runtime.js';
