import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StubProvider, startStubProvider } from '../../../test/support/stub-provider/index.js';
import { isParleyError } from '../../errors/index.js';
import { createEmbedder } from './create-embedder.js';

function configError(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isParleyError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a ParleyError');
}

describe('createEmbedder', () => {
  let stub: StubProvider;
  beforeAll(async () => {
    stub = await startStubProvider();
  });
  afterAll(async () => {
    await stub.close();
  });

  it('returns no embedder when PARLEY_EMBEDDINGS is unset or blank', () => {
    expect(createEmbedder({})).toBeUndefined();
    expect(createEmbedder({ PARLEY_EMBEDDINGS: '  ', OPENAI_API_KEY: 'sk-test' })).toBeUndefined();
  });

  it('rejects an unknown provider with a config error naming PARLEY_EMBEDDINGS', () => {
    const error = configError(() =>
      createEmbedder({ PARLEY_EMBEDDINGS: 'acme:embed-1', OPENAI_API_KEY: 'k' }),
    );
    expect(error.code).toBe('PARLEY_ERR_CONFIG');
    expect(error.message).toContain('PARLEY_EMBEDDINGS');
    expect(error.message).toContain('"acme"');
  });

  it('rejects a value that is not provider:model', () => {
    for (const value of ['text-embedding-3-small', ':model', 'openai:']) {
      const error = configError(() => createEmbedder({ PARLEY_EMBEDDINGS: value, OPENAI_API_KEY: 'k' }));
      expect(error.code).toBe('PARLEY_ERR_CONFIG');
      expect(error.message).toContain('PARLEY_EMBEDDINGS: expected provider:model');
    }
  });

  it('fails at creation when OpenAI has neither an API key nor a base URL', () => {
    const error = configError(() => createEmbedder({ PARLEY_EMBEDDINGS: 'openai:text-embedding-3-small' }));
    expect(error.code).toBe('PARLEY_ERR_CONFIG');
    expect(error.message).toContain('OPENAI_API_KEY');
  });

  it('rejects nonsensical batching options', () => {
    const settings = { PARLEY_EMBEDDINGS: 'openai:m', OPENAI_API_KEY: 'k' };
    expect(configError(() => createEmbedder(settings, { batchSize: 0 })).code).toBe('PARLEY_ERR_CONFIG');
    expect(configError(() => createEmbedder(settings, { timeoutMs: 1.5 })).code).toBe('PARLEY_ERR_CONFIG');
    expect(configError(() => createEmbedder(settings, { maxRetries: -1 })).code).toBe('PARLEY_ERR_CONFIG');
  });

  it('creates an OpenAI embedder from a key alone, without any request', () => {
    const embedder = createEmbedder({
      PARLEY_EMBEDDINGS: 'openai:text-embedding-3-small',
      OPENAI_API_KEY: 'k',
    });
    expect(embedder?.modelId).toBe('openai:text-embedding-3-small');
  });

  it('talks to OPENAI_BASE_URL with the API key as a bearer token', async () => {
    stub.reset();
    const embedder = createEmbedder({
      PARLEY_EMBEDDINGS: 'openai:nomic-embed-text',
      OPENAI_API_KEY: 'sk-local',
      OPENAI_BASE_URL: stub.url,
    });
    await embedder?.embed(['hello']);
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]?.path).toBe('/v1/embeddings');
    expect(stub.requests[0]?.headers.authorization).toBe('Bearer sk-local');
    expect(stub.requests[0]?.body).toMatchObject({ model: 'nomic-embed-text', input: ['hello'] });
  });

  it('needs no API key for an OpenAI-compatible server at OPENAI_BASE_URL', async () => {
    stub.reset();
    const embedder = createEmbedder({
      PARLEY_EMBEDDINGS: 'openai:local-model',
      OPENAI_BASE_URL: `${stub.url}/`,
    });
    const vectors = await embedder?.embed(['hello']);
    expect(vectors?.[0]).toHaveLength(64);
    expect(stub.requests[0]?.headers.authorization).toBe('Bearer EMPTY');
    expect(stub.requests[0]?.path).toBe('/v1/embeddings');
  });
});
