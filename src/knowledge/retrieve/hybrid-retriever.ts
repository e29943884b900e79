// Runs several retrievers in parallel (keyword, and vector when embeddings are configured) and
// fuses their rankings. With one retriever it passes that retriever's ranking through.
import { fuseByRank } from './fuse-by-rank.js';
import type { RetrievedChunk, Retriever, SearchOptions } from './types.js';

export class HybridRetriever implements Retriever {
  readonly name: string;

  constructor(
    private readonly retrievers: Retriever[],
    /** How many candidates each retriever contributes before fusion. */
    private readonly candidatesPerRetriever = 50,
  ) {
    this.name = retrievers.map((retriever) => retriever.name).join('+');
  }

  async search(query: string, options: SearchOptions): Promise<RetrievedChunk[]> {
    if (this.retrievers.length === 1) return this.retrievers[0]!.search(query, options);
    const perRetriever = { ...options, topK: Math.max(options.topK, this.candidatesPerRetriever) };
    const lists = await Promise.all(
      this.retrievers.map((retriever) => retriever.search(query, perRetriever)),
    );
    return fuseByRank(lists, options.topK);
  }
}
