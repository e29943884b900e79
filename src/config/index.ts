export { ConfigError, loadConfig } from './load-config.js';
export { type Settings, settingsSchema } from './settings.js';
export * from './slices.js';
