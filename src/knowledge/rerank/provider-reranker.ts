// A provider's reranking model as a Reranker: each candidate is sent as its title, section and
// text, the way a reader would see the passage, cut to MAX_DOCUMENT_CHARS (providers bill and
// truncate by tokens; a chunk is already a few hundred).
import type { DocumentReranker } from '../../models/index.js';
import type { RetrievedChunk } from '../retrieve/types.js';
import type { Reranker } from './types.js';

const MAX_DOCUMENT_CHARS = 4_000;

export function documentOf(chunk: RetrievedChunk): string {
  const heading = chunk.headingPath && chunk.headingPath !== chunk.title ? `\n${chunk.headingPath}` : '';
  return `${chunk.title}${heading}\n\n${chunk.text}`.slice(0, MAX_DOCUMENT_CHARS);
}

export class ProviderReranker implements Reranker {
  readonly name: string;

  constructor(private readonly model: DocumentReranker) {
    this.name = model.modelId;
  }

  score(query: string, candidates: readonly RetrievedChunk[], signal: AbortSignal): Promise<number[]> {
    return this.model.rank(query, candidates.map(documentOf), signal);
  }
}
