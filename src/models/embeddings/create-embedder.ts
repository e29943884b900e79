// Chooses the embedding provider once, from PARLEY_EMBEDDINGS (`provider:model`).
import { ParleyError } from '../../errors/index.js';
import { openAIProvider } from '../openai/openai-provider.js';
import { SdkEmbedder, type SdkEmbeddingModel } from './sdk-embedder.js';
import type { Embedder, EmbedderOptions, EmbeddingSettings } from './types.js';

const SETTING = 'PARLEY_EMBEDDINGS';

/** Each supported provider's AI SDK embedding model, by the prefix used in PARLEY_EMBEDDINGS. */
const embeddingModels = new Map<string, (model: string, settings: EmbeddingSettings) => SdkEmbeddingModel>([
  ['openai', (model, settings) => openAIProvider(settings, SETTING).embedding(model)],
]);

/** The configured embedder, or undefined when PARLEY_EMBEDDINGS is unset (keyword retrieval only). */
export function createEmbedder(settings: EmbeddingSettings, options?: EmbedderOptions): Embedder | undefined {
  const ref = settings.PARLEY_EMBEDDINGS?.trim();
  if (!ref) return undefined;
  const separator = ref.indexOf(':');
  const provider = ref.slice(0, Math.max(separator, 0)).toLowerCase();
  const model = ref.slice(separator + 1);
  if (separator <= 0 || model === '') {
    throw new ParleyError(
      'PARLEY_ERR_CONFIG',
      `${SETTING}: expected provider:model, e.g. openai:text-embedding-3-small (got ${JSON.stringify(ref)})`,
    );
  }
  const createModel = embeddingModels.get(provider);
  if (!createModel) {
    throw new ParleyError(
      'PARLEY_ERR_CONFIG',
      `${SETTING}: unknown embedding provider ${JSON.stringify(provider)} (supported: ${[...embeddingModels.keys()].join(', ')})`,
    );
  }
  return new SdkEmbedder(ref, createModel(model, settings), options);
}
