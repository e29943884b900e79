import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StubProvider, startStubProvider } from '../../../test/support/stub-provider/index.js';
import type { ProviderConnection, ProviderConnections } from '../../config/index.js';
import { isParleyError } from '../../errors/index.js';
import { createEmbedder } from './create-embedder.js';

const providers = (openai: ProviderConnection): ProviderConnections => ({
  openai,
  anthropic: {},
  cohere: {},
});

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

  it('returns no embedder when no model is configured, or a blank one', () => {
    expect(createEmbedder(undefined, providers({}))).toBeUndefined();
    expect(createEmbedder('  ', providers({ apiKey: 'sk-test' }))).toBeUndefined();
  });

  it('rejects an unknown provider with a config error naming it', () => {
    const error = configError(() => createEmbedder('acme:embed-1', providers({ apiKey: 'k' })));
    expect(error.code).toBe('PARLEY_ERR_CONFIG');
    expect(error.message).toContain('"acme"');
  });

  it('rejects a value that is not provider:model', () => {
    for (const value of ['text-embedding-3-small', ':model', 'openai:']) {
      const error = configError(() => createEmbedder(value, providers({ apiKey: 'k' })));
      expect(error.code).toBe('PARLEY_ERR_CONFIG');
      expect(error.message).toContain('expected provider:model');
    }
  });

  it('fails at creation when OpenAI has neither an API key nor a base URL', () => {
    const error = configError(() => createEmbedder('openai:text-embedding-3-small', providers({})));
    expect(error.code).toBe('PARLEY_ERR_CONFIG');
    expect(error.message).toContain('openai:text-embedding-3-small uses OpenAI');
  });

  it('rejects nonsensical batching options', () => {
    const connected = providers({ apiKey: 'k' });
    expect(configError(() => createEmbedder('openai:m', connected, { batchSize: 0 })).code).toBe(
      'PARLEY_ERR_CONFIG',
    );
    expect(configError(() => createEmbedder('openai:m', connected, { timeoutMs: 1.5 })).code).toBe(
      'PARLEY_ERR_CONFIG',
    );
    expect(configError(() => createEmbedder('openai:m', connected, { maxRetries: -1 })).code).toBe(
      'PARLEY_ERR_CONFIG',
    );
  });

  it('creates an OpenAI embedder from a key alone, without any request', () => {
    const embedder = createEmbedder('openai:text-embedding-3-small', providers({ apiKey: 'k' }));
    expect(embedder?.modelId).toBe('openai:text-embedding-3-small');
  });

  it('talks to the configured base URL with the API key as a bearer token', async () => {
    stub.reset();
    const embedder = createEmbedder(
      'openai:nomic-embed-text',
      providers({ apiKey: 'sk-local', baseUrl: stub.url }),
    );
    await embedder?.embed(['hello']);
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]?.path).toBe('/v1/embeddings');
    expect(stub.requests[0]?.headers.authorization).toBe('Bearer sk-local');
    expect(stub.requests[0]?.body).toMatchObject({ model: 'nomic-embed-text', input: ['hello'] });
  });

  it('needs no API key for an OpenAI-compatible server at a base URL', async () => {
    stub.reset();
    const embedder = createEmbedder('openai:local-model', providers({ baseUrl: `${stub.url}/` }));
    const vectors = await embedder?.embed(['hello']);
    expect(vectors?.[0]).toHaveLength(64);
    expect(stub.requests[0]?.headers.authorization).toBe('Bearer EMPTY');
    expect(stub.requests[0]?.path).toBe('/v1/embeddings');
  });
});
