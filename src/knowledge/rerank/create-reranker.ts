// The reranker PARLEY_RERANK names: `local`, or a provider's `provider:model`.
import type { ProviderConnections } from '../../config/index.js';
import { createDocumentReranker } from '../../models/index.js';
import { LocalReranker } from './local-reranker.js';
import { ProviderReranker } from './provider-reranker.js';
import type { Reranker } from './types.js';

export function createReranker(
  ref: string | undefined,
  providers: ProviderConnections,
): Reranker | undefined {
  const trimmed = ref?.trim();
  if (!trimmed) return undefined;
  if (trimmed.toLowerCase() === 'local') return new LocalReranker();
  return new ProviderReranker(createDocumentReranker(trimmed, providers));
}
