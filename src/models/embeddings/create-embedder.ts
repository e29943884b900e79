// Builds the embedding model from its reference (`provider:model`) and the providers' connections.
import type { ProviderConnections } from '../../config/index.js';
import { ParleyError } from '../../errors/index.js';
import { openAIProvider } from '../openai/openai-provider.js';
import { SdkEmbedder, type SdkEmbeddingModel } from './sdk-embedder.js';
import type { Embedder, EmbedderOptions } from './types.js';

/** Each supported provider's AI SDK embedding model, by the reference's prefix. */
const embeddingModels = new Map<
  string,
  (ref: string, model: string, providers: ProviderConnections) => SdkEmbeddingModel
>([['openai', (ref, model, providers) => openAIProvider(providers.openai, ref).embedding(model)]]);

/** The embedder for `ref`, or undefined when there is none (keyword retrieval only). */
export function createEmbedder(
  ref: string | undefined,
  providers: ProviderConnections,
  options?: EmbedderOptions,
): Embedder | undefined {
  const trimmed = ref?.trim();
  if (!trimmed) return undefined;
  const separator = trimmed.indexOf(':');
  const provider = trimmed.slice(0, Math.max(separator, 0)).toLowerCase();
  const model = trimmed.slice(separator + 1);
  if (separator <= 0 || model === '') {
    throw new ParleyError(
      'PARLEY_ERR_CONFIG',
      `expected provider:model, e.g. openai:text-embedding-3-small (got ${JSON.stringify(trimmed)})`,
    );
  }
  const createModel = embeddingModels.get(provider);
  if (!createModel) {
    throw new ParleyError(
      'PARLEY_ERR_CONFIG',
      `unknown embedding provider ${JSON.stringify(provider)} (supported: ${[...embeddingModels.keys()].join(', ')})`,
    );
  }
  return new SdkEmbedder(trimmed, createModel(trimmed, model, providers), options);
}
