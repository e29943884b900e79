// Runs several retrievers in parallel (keyword, and vector when embeddings are configured) and
// fuses their rankings. A retriever that fails is left out (named in the result's failures and
// reported through onFailure) so that, say, an embedding outage degrades to keyword search; the
// search fails only when every retriever does.
import { fuseByRank } from './fuse-by-rank.js';
import type { RetrievedChunk, Retriever, SearchOptions, SearchResult } from './types.js';

export class HybridRetriever implements Retriever {
  readonly name: string;

  constructor(
    private readonly retrievers: Retriever[],
    private readonly onFailure: (retriever: string, error: unknown) => void = () => {},
    /** How many candidates each retriever contributes before fusion. */
    private readonly candidatesPerRetriever = 50,
  ) {
    this.name = retrievers.map((retriever) => retriever.name).join('+');
  }

  async search(query: string, options: SearchOptions): Promise<SearchResult> {
    if (this.retrievers.length === 1) return this.retrievers[0]!.search(query, options);
    const perRetriever = { ...options, topK: Math.max(options.topK, this.candidatesPerRetriever) };
    const settled = await Promise.allSettled(
      this.retrievers.map((retriever) => retriever.search(query, perRetriever)),
    );
    const lists: RetrievedChunk[][] = [];
    const result: SearchResult = { chunks: [], failures: [] };
    settled.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') {
        lists.push(outcome.value.chunks);
        result.failures.push(...outcome.value.failures);
        result.keywordIndex ??= outcome.value.keywordIndex;
        return;
      }
      const name = this.retrievers[index]!.name;
      const message = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
      result.failures.push({ retriever: name, message });
      this.onFailure(name, outcome.reason);
    });
    if (lists.length === 0) throw (settled[0] as PromiseRejectedResult).reason;
    result.chunks = fuseByRank(lists, options.topK);
    return result;
  }

  invalidate(tenantId: string): void {
    for (const retriever of this.retrievers) retriever.invalidate?.(tenantId);
  }

  /** The sum of the retrievers' generations (each only grows); undefined when none can tell. */
  generation(tenantId: string): number | undefined {
    let sum: number | undefined;
    for (const retriever of this.retrievers) {
      const generation = retriever.generation?.(tenantId);
      if (generation !== undefined) sum = (sum ?? 0) + generation;
    }
    return sum;
  }
}
