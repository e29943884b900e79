// A provider's reranking model through the AI SDK's `rerank` (Cohere's API, which vLLM, Infinity
// and Jina also speak: point COHERE_BASE_URL at them). One call scores every document; a document
// the provider left out of its answer scores 0. No retries: the rerank stage's budget is short and
// the fused order stands in for an answer that did not come.
import { createCohere } from '@ai-sdk/cohere';
import { type RerankingModel, rerank } from 'ai';
import type { ProviderConnections } from '../../config/index.js';
import { ParleyError } from '../../errors/index.js';
import { providerError } from '../provider-error.js';

/** Scores documents against a query, each in [0, 1], in the documents' order. */
export interface DocumentReranker {
  /** `provider:model`. */
  readonly modelId: string;
  rank(query: string, documents: string[], signal: AbortSignal): Promise<number[]>;
}

const COHERE_API_URL = 'https://api.cohere.com/v2';
// Self-hosted servers ignore the key, but the SDK always sends one.
const NO_KEY = 'EMPTY';

/** Each supported provider's AI SDK reranking model, by the reference's prefix. */
const rerankingModels = new Map<
  string,
  (model: string, providers: ProviderConnections, ref: string) => RerankingModel
>([
  [
    'cohere',
    (model, providers, ref) => {
      const { apiKey, baseUrl } = providers.cohere;
      if (!apiKey && !baseUrl) {
        throw new ParleyError(
          'PARLEY_ERR_CONFIG',
          `${ref} uses Cohere, which this server has no API key (or Cohere-compatible base URL) for`,
        );
      }
      // Both passed explicitly: left undefined, the SDK would read process.env itself.
      return createCohere({ apiKey: apiKey ?? NO_KEY, baseURL: baseUrl ?? COHERE_API_URL }).reranking(model);
    },
  ],
]);

/** The provider reranker for `ref` (`provider:model`, e.g. cohere:rerank-v3.5). */
export function createDocumentReranker(ref: string, providers: ProviderConnections): DocumentReranker {
  const separator = ref.indexOf(':');
  const provider = ref.slice(0, Math.max(separator, 0)).toLowerCase();
  const model = ref.slice(separator + 1);
  if (separator <= 0 || model === '') {
    throw new ParleyError(
      'PARLEY_ERR_CONFIG',
      `expected local or provider:model, e.g. cohere:rerank-v3.5 (got ${JSON.stringify(ref)})`,
    );
  }
  const createModel = rerankingModels.get(provider);
  if (!createModel) {
    throw new ParleyError(
      'PARLEY_ERR_CONFIG',
      `unknown reranking provider ${JSON.stringify(provider)} (supported: local, ${[...rerankingModels.keys()].join(', ')})`,
    );
  }
  const sdkModel = createModel(model, providers, ref);
  return {
    modelId: ref,
    async rank(query, documents, signal) {
      try {
        const { ranking } = await rerank({
          model: sdkModel,
          query,
          documents,
          maxRetries: 0,
          abortSignal: signal,
        });
        const scores = new Array<number>(documents.length).fill(0);
        for (const { originalIndex, score } of ranking) {
          if (originalIndex >= 0 && originalIndex < documents.length) {
            scores[originalIndex] = Math.min(1, Math.max(0, score));
          }
        }
        return scores;
      } catch (error) {
        if (signal.aborted) throw error;
        throw providerError(`reranker ${ref}`, error);
      }
    },
  };
}
