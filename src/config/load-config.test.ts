import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const emptyDir = () => mkdtempSync(path.join(tmpdir(), 'parley-config-'));

describe('loadConfig', () => {
  it('applies the documented defaults with an empty environment', () => {
    const config = loadConfig({}, emptyDir());
    expect(config.PARLEY_PORT).toBe(8787);
    expect(config.dataDir.endsWith('.parley')).toBe(true);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.PARLEY_MODELS).toBeUndefined();
  });

  it('parses the model chain in order', () => {
    const config = loadConfig(
      { PARLEY_MODELS: 'openai:gpt-4o-mini, anthropic:claude-3-5-haiku-latest' },
      emptyDir(),
    );
    expect(config.PARLEY_MODELS).toEqual(['openai:gpt-4o-mini', 'anthropic:claude-3-5-haiku-latest']);
  });

  it.each([
    ['PARLEY_PORT', 'eighty'],
    ['PARLEY_PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['PARLEY_MODELS', 'gpt-4o-mini'],
    ['PARLEY_EMBEDDINGS', 'not a model'],
    ['OPENAI_BASE_URL', 'nowhere'],
    ['PARLEY_LOG_LEVEL', 'loud'],
    ['PARLEY_PRICES', 'not json'],
    ['PARLEY_PRICES', '{"gpt-4o": {"input": 1, "output": 2}}'],
    ['PARLEY_PRICES', '{"openai:gpt-4o": {"input": -1, "output": 2}}'],
    ['PARLEY_BUDGET_POLICY', 'shrug'],
    ['PARLEY_RATE_REQUESTS_PER_MINUTE_KEY', '-5'],
    ['PARLEY_BUDGET_WEBHOOK_URL', 'not a url'],
  ])('stops with a message naming %s when it is %j', (name, value) => {
    expect(() => loadConfig({ [name]: value }, emptyDir())).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value }, emptyDir())).toThrowError(new RegExp(name));
  });

  it('reads a config file, and the environment wins over it', () => {
    const dir = emptyDir();
    writeFileSync(
      path.join(dir, 'parley.config.json'),
      JSON.stringify({ PARLEY_PORT: 9000, PARLEY_RETRIEVAL_TOP_K: 4 }),
    );
    const config = loadConfig({ PARLEY_PORT: '9100' }, dir);
    expect(config.PARLEY_PORT).toBe(9100);
    expect(config.PARLEY_RETRIEVAL_TOP_K).toBe(4);
    expect(config.configFile).toBe(path.join(dir, 'parley.config.json'));
  });

  it('bounds the JS heap growth setting and refuses what V8 would not take', () => {
    expect(loadConfig({}, emptyDir()).PARLEY_HEAP_GROWTH_PERCENT).toBe(0); // V8's own
    expect(loadConfig({ PARLEY_HEAP_GROWTH_PERCENT: '100' }, emptyDir()).PARLEY_HEAP_GROWTH_PERCENT).toBe(
      100,
    );
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
    expect(fromEnv.PARLEY_PRICES).toEqual({ 'openai:local': { input: 0.1, output: 0.2 } });
    const dir = emptyDir();
    writeFileSync(
      path.join(dir, 'parley.config.json'),
      JSON.stringify({ PARLEY_PRICES: { 'openai:local': { input: 1, cached_input: 0.5, output: 2 } } }),
    );
    expect(loadConfig({}, dir).PARLEY_PRICES).toEqual({
      'openai:local': { input: 1, cached_input: 0.5, output: 2 },
    });
  });
});
