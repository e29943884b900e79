import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, settingsSchema } from './index.js';

const emptyDir = () => mkdtempSync(path.join(tmpdir(), 'parley-config-'));

describe('loadConfig', () => {
  it('applies the documented defaults with an empty environment', () => {
    const config = loadConfig({}, emptyDir());
    expect(config.server.port).toBe(8787);
    expect(config.dataDir.endsWith('.parley')).toBe(true);
    expect(config.storage.databaseUrl).toBeUndefined();
    expect(config.models.chain).toEqual([]);
  });

  it('parses the model chain in order', () => {
    const config = loadConfig(
      {
        PARLEY_MODELS: 'openai:gpt-4o-mini, anthropic:claude-3-5-haiku-latest',
        OPENAI_API_KEY: 'sk-test',
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/v1',
      },
      emptyDir(),
    );
    expect(config.models.chain).toEqual(['openai:gpt-4o-mini', 'anthropic:claude-3-5-haiku-latest']);
    expect(config.models.providers.openai).toEqual({ apiKey: 'sk-test', baseUrl: undefined });
  });

  it('stops when a model setting names a provider nothing connects to, naming both settings', () => {
    for (const [name, value] of [
      ['PARLEY_MODELS', 'openai:gpt-4o-mini'],
      ['PARLEY_ESCALATION_MODELS', 'anthropic:claude-3-5-haiku-latest'],
      ['PARLEY_EMBEDDINGS', 'openai:text-embedding-3-small'],
      ['PARLEY_GUARD_MODEL', 'openai:llama-guard'],
      ['PARLEY_RERANK', 'cohere:rerank-v3.5'],
    ] as const) {
      const provider = value.split(':')[0]!.toUpperCase();
      expect(() => loadConfig({ [name]: value }, emptyDir())).toThrowError(
        new RegExp(`${name}: ${value} needs ${provider}_API_KEY \\(or ${provider}_BASE_URL`),
      );
    }
    // A base URL alone is enough (an OpenAI-compatible server needs no key).
    expect(
      loadConfig({ PARLEY_MODELS: 'openai:m', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }, emptyDir()).models
        .chain,
    ).toEqual(['openai:m']);
  });

  it('hands each layer its slice in its own words: no environment name below the config', () => {
    const names = new Set(Object.keys(settingsSchema.shape));
    const keys: string[] = [];
    const walk = (value: unknown, prefix: string) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
      for (const [key, inner] of Object.entries(value)) {
        keys.push(`${prefix}${key}`);
        // Prices are keyed by model reference, not by setting.
        if (key !== 'prices') walk(inner, `${prefix}${key}.`);
      }
    };
    walk(loadConfig({ PARLEY_PRICES: '{"openai:x": {"input": 1, "output": 2}}' }, emptyDir()), '');
    expect(keys.filter((key) => names.has(key.split('.').at(-1)!))).toEqual([]);
    expect(keys).toContain('gateway.budgets.tenant.day');
  });

  it.each([
    ['PARLEY_PORT', 'eighty'],
    ['PARLEY_PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['PARLEY_MODELS', 'gpt-4o-mini'],
    ['PARLEY_EMBEDDINGS', 'not a model'],
    ['PARLEY_RERANK', 'rerank-v3.5'],
    ['PARLEY_RERANK_TOP_N', '1'],
    ['OPENAI_BASE_URL', 'nowhere'],
    ['PARLEY_LOG_LEVEL', 'loud'],
    ['PARLEY_PRICES', 'not json'],
    ['PARLEY_PRICES', '{"gpt-4o": {"input": 1, "output": 2}}'],
    ['PARLEY_PRICES', '{"openai:gpt-4o": {"input": -1, "output": 2}}'],
    ['PARLEY_BUDGET_POLICY', 'shrug'],
    ['PARLEY_RATE_REQUESTS_PER_MINUTE_KEY', '-5'],
    ['PARLEY_BUDGET_WEBHOOK_URL', 'not a url'],
    ['PARLEY_HANDOFF_WEBHOOK_URL', 'https://hooks.example.com/parley'], // no secret
    ['PARLEY_WEBHOOK_SECRET', 'short'],
    ['PARLEY_METRICS_PORT', '0'],
    ['PARLEY_SERVE_JOBS', 'maybe'],
    ['PARLEY_TRUST_PROXY', 'proxy.internal'],
    ['PARLEY_TRUST_PROXY', '10.0.0.0/33'],
  ])('stops with a message naming %s when it is %j', (name, value) => {
    expect(() => loadConfig({ [name]: value }, emptyDir())).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value }, emptyDir())).toThrowError(new RegExp(name));
  });

  it('sends handoff webhooks only with both a URL and a secret', () => {
    expect(loadConfig({}, emptyDir()).jobs.handoffWebhook).toBeUndefined();
    const url = 'https://hooks.example.com/parley';
    const secret = 'a-secret-of-sixteen-chars';
    expect(
      loadConfig({ PARLEY_HANDOFF_WEBHOOK_URL: url, PARLEY_WEBHOOK_SECRET: secret }, emptyDir()).jobs
        .handoffWebhook,
    ).toEqual({
      url,
      secret,
      timeoutMs: 10_000,
      maxAttempts: 10,
      retry: { firstMs: 30_000, maxMs: 3_600_000 },
    });
  });

  it('reads a config file, and the environment wins over it', () => {
    const dir = emptyDir();
    writeFileSync(
      path.join(dir, 'parley.config.json'),
      JSON.stringify({ PARLEY_PORT: 9000, PARLEY_RETRIEVAL_TOP_K: 4 }),
    );
    const config = loadConfig({ PARLEY_PORT: '9100' }, dir);
    expect(config.server.port).toBe(9100);
    expect(config.retrieval.topK).toBe(4);
    expect(config.configFile).toBe(path.join(dir, 'parley.config.json'));
  });

  it('bounds the JS heap growth setting and refuses what V8 would not take', () => {
    expect(loadConfig({}, emptyDir()).server.heapGrowthPercent).toBe(0); // V8's own
    expect(loadConfig({ PARLEY_HEAP_GROWTH_PERCENT: '100' }, emptyDir()).server.heapGrowthPercent).toBe(100);
    expect(() => loadConfig({ PARLEY_HEAP_GROWTH_PERCENT: '-5' }, emptyDir())).toThrowError(ConfigError);
    expect(() => loadConfig({ PARLEY_HEAP_GROWTH_PERCENT: 'lots' }, emptyDir())).toThrowError(
      /PARLEY_HEAP_GROWTH_PERCENT/,
    );
  });

  it('refuses unknown settings and unreadable files in the config file', () => {
    const dir = emptyDir();
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ PARLEY_PROT: 1 }));
    expect(() => loadConfig({ PARLEY_CONFIG: 'bad.json' }, dir)).toThrowError(/unknown setting PARLEY_PROT/);
    writeFileSync(path.join(dir, 'broken.json'), '{');
    expect(() => loadConfig({ PARLEY_CONFIG: 'broken.json' }, dir)).toThrowError(/cannot read it as JSON/);
    expect(() => loadConfig({ PARLEY_CONFIG: 'missing.json' }, dir)).toThrowError(/does not exist/);
  });

  it('reads prices as JSON from the environment, or as an object in the config file', () => {
    const fromEnv = loadConfig(
      { PARLEY_PRICES: '{"openai:local": {"input": 0.1, "output": 0.2}}' },
      emptyDir(),
    );
    expect(fromEnv.gateway.prices).toEqual({ 'openai:local': { input: 0.1, output: 0.2 } });
    const dir = emptyDir();
    writeFileSync(
      path.join(dir, 'parley.config.json'),
      JSON.stringify({ PARLEY_PRICES: { 'openai:local': { input: 1, cached_input: 0.5, output: 2 } } }),
    );
    expect(loadConfig({}, dir).gateway.prices).toEqual({
      'openai:local': { input: 1, cached_input: 0.5, output: 2 },
    });
  });

  it('reads the deployment settings: roles, the metrics token and port, trusted proxies', () => {
    const defaults = loadConfig({}, emptyDir()).server;
    expect(defaults).toMatchObject({ serveRunsJobs: true, trustProxy: [] });
    expect(defaults.metricsToken).toBeUndefined();
    expect(defaults.metricsPort).toBeUndefined();
    const set = loadConfig(
      {
        PARLEY_SERVE_JOBS: 'off',
        PARLEY_METRICS_TOKEN: 'a-long-enough-metrics-token',
        PARLEY_METRICS_PORT: '9464',
        PARLEY_TRUST_PROXY: ' 10.0.0.0/8, ::1 ,loopback',
      },
      emptyDir(),
    ).server;
    expect(set).toMatchObject({
      serveRunsJobs: false,
      metricsToken: 'a-long-enough-metrics-token',
      metricsPort: 9464,
      trustProxy: ['10.0.0.0/8', '::1', 'loopback'],
    });
    // An empty value (a compose file's `${VAR:-}`) means unset.
    expect(loadConfig({ PARLEY_METRICS_PORT: '', PARLEY_TRUST_PROXY: '' }, emptyDir()).server).toMatchObject({
      metricsPort: undefined,
      trustProxy: [],
    });
  });

  it('resolves the worker processes: auto is one per core with Redis, else one; a number is taken as it is', () => {
    const workers = (env: Record<string, string>) => loadConfig(env, emptyDir()).server.workers;
    expect(workers({})).toBe(1);
    expect(workers({ REDIS_URL: 'redis://127.0.0.1:6379' })).toBe(availableParallelism());
    expect(workers({ PARLEY_WORKERS: '3' })).toBe(3);
    expect(workers({ PARLEY_WORKERS: 'auto', REDIS_URL: 'redis://127.0.0.1:6379' })).toBe(
      availableParallelism(),
    );
    expect(() => workers({ PARLEY_WORKERS: '0' })).toThrow(/PARLEY_WORKERS/);
    expect(() => workers({ PARLEY_WORKERS: 'many' })).toThrow(/PARLEY_WORKERS/);
  });

  it('refuses a short metrics token without echoing it', () => {
    let message = '';
    try {
      loadConfig({ PARLEY_METRICS_TOKEN: 'hunter2' }, emptyDir());
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/PARLEY_METRICS_TOKEN: expected at least 16 characters/);
    expect(message).not.toContain('hunter2');
  });
});
