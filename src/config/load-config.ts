// Loads the settings (a config file, then the environment) and cuts them into the layers' slices.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type Settings, settingsSchema } from './settings.js';
import { type Config, sliceSettings } from './slices.js';

const SECRET_SETTINGS = new Set([
  'DATABASE_URL',
  'REDIS_URL',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'OPENAI_BASE_URL',
  'ANTHROPIC_BASE_URL',
  'PARLEY_BUDGET_WEBHOOK_URL',
  'PARLEY_HANDOFF_WEBHOOK_URL',
  'PARLEY_WEBHOOK_SECRET',
  'PARLEY_METRICS_TOKEN',
  'PARLEY_SECRETS_KEY',
  // may carry commands, URLs and headers with credentials
  'PARLEY_MCP_SERVERS',
  // may carry credentials in headers
  'PARLEY_HTTP_TOOLS',
]);

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

// Values are strings, numbers or booleans; a JSON setting (PARLEY_PRICES) may be written as an object.
const fileSchema = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.record(z.string(), z.unknown())]),
);

function readConfigFile(file: string): Record<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`config file ${file}: cannot read it as JSON (${(error as Error).message})`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`config file ${file}: expected an object of SETTING_NAME: value pairs`);
  }
  const known = new Set(Object.keys(settingsSchema.shape));
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.data)) {
    if (!known.has(key)) throw new ConfigError(`config file ${file}: unknown setting ${key}`);
    out[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

/**
 * Reads settings from an optional JSON config file (`PARLEY_CONFIG`, else `parley.config.json`
 * in the working directory if present), then the environment, which wins. An invalid value
 * throws a ConfigError naming the setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const explicitFile = env.PARLEY_CONFIG?.trim();
  const defaultFile = path.join(cwd, 'parley.config.json');
  const configFile = explicitFile
    ? path.resolve(cwd, explicitFile)
    : existsSync(defaultFile)
      ? defaultFile
      : undefined;
  if (explicitFile && configFile && !existsSync(configFile)) {
    throw new ConfigError(`PARLEY_CONFIG: file ${configFile} does not exist`);
  }
  const fromFile = configFile ? readConfigFile(configFile) : {};
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const key of Object.keys(settingsSchema.shape)) {
    const value = env[key];
    if (value !== undefined) merged[key] = value;
  }
  const parsed = settingsSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || 'settings';
      // URLs and keys may carry credentials: name the setting, never echo its value.
      const shown = SECRET_SETTINGS.has(name)
        ? 'value hidden'
        : `got ${JSON.stringify(merged[name] ?? null)}`;
      return `${name}: ${issue.message} (${shown})`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const unconnected = unconnectedModels(parsed.data);
  if (parsed.data.PARLEY_HANDOFF_WEBHOOK_URL && !parsed.data.PARLEY_WEBHOOK_SECRET) {
    unconnected.push(
      'PARLEY_HANDOFF_WEBHOOK_URL: needs PARLEY_WEBHOOK_SECRET (the key its signature is made with)',
    );
  }
  if (parsed.data.PARLEY_OIDC_ISSUER && !parsed.data.PARLEY_OIDC_AUDIENCE) {
    unconnected.push(
      'PARLEY_OIDC_ISSUER: needs PARLEY_OIDC_AUDIENCE (the audience its tokens are issued for)',
    );
  }
  if (unconnected.length > 0) throw new ConfigError(`invalid configuration:\n  ${unconnected.join('\n  ')}`);
  return sliceSettings(parsed.data, path.resolve(cwd, parsed.data.PARLEY_DATA_DIR), configFile);
}

/** The settings that reach each provider: a model reference needs one of them set. */
const PROVIDER_SETTINGS = {
  openai: ['OPENAI_API_KEY', 'OPENAI_BASE_URL'],
  anthropic: ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL'],
  cohere: ['COHERE_API_KEY', 'COHERE_BASE_URL'],
} as const satisfies Record<string, readonly (keyof Settings)[]>;

/**
 * Model settings naming a provider that nothing connects to (no key, no base URL): found at load,
 * so start-up fails with the names an operator sets. Unknown providers are the models layer's to
 * refuse.
 */
function unconnectedModels(settings: Settings): string[] {
  const refs: [keyof Settings, readonly string[]][] = [
    ['PARLEY_MODELS', settings.PARLEY_MODELS ?? []],
    ['PARLEY_ESCALATION_MODELS', settings.PARLEY_ESCALATION_MODELS ?? []],
    ['PARLEY_EMBEDDINGS', settings.PARLEY_EMBEDDINGS ? [settings.PARLEY_EMBEDDINGS] : []],
    ['PARLEY_GUARD_MODEL', settings.PARLEY_GUARD_MODEL ? [settings.PARLEY_GUARD_MODEL] : []],
    ['PARLEY_RERANK', settings.PARLEY_RERANK?.includes(':') ? [settings.PARLEY_RERANK] : []],
  ];
  const problems: string[] = [];
  for (const [name, list] of refs) {
    for (const ref of list) {
      const provider = ref.slice(0, ref.indexOf(':')).toLowerCase();
      if (!Object.hasOwn(PROVIDER_SETTINGS, provider)) continue;
      const [key, url] = PROVIDER_SETTINGS[provider as keyof typeof PROVIDER_SETTINGS];
      if (!settings[key] && !settings[url]) {
        problems.push(`${name}: ${ref} needs ${key} (or ${url} for a compatible server)`);
      }
    }
  }
  return problems;
}
