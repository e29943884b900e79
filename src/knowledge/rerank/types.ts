// The reranking seam: a reranker reads the query beside each of the best fused candidates and
// scores how well each answers it; the rerank stage (rerank-stage.ts) orders the candidates by
// those scores within its budget, and keeps the fused order when the reranker fails or is late.
import type { RetrievedChunk } from '../retrieve/types.js';

export interface Reranker {
  /** What traces and metrics call it: `local`, or the provider's `provider:model`. */
  readonly name: string;
  /**
   * How relevant each candidate is to `query`, in the candidates' order, each in [0, 1] (higher is
   * more relevant; the scores are compared with each other, as clarifying questions compare a
   * retriever's scores). `candidates` come in fused order with their retrievers' signals. Rejects
   * when it cannot score them (the stage keeps the fused order); stops when `signal` aborts.
   */
  score(query: string, candidates: readonly RetrievedChunk[], signal: AbortSignal): Promise<number[]>;
}
