// Candidates for the local reranker, as Parley's keyword retrieval finds them: an in-memory BM25
// index (bm25-index.ts, default k1 and b) over chunks' title, heading path and text read by the
// keyword analyzer, whose best hits come back as RetrievedChunks with the `bm25` signal. Shared by
// scripts/train-local-reranker.ts (public train data) and bench/rerank-ranking.ts (evaluation).
import { prepareDocument } from '../../src/knowledge/ingest/prepare-document.js';
import type { DocumentFormat } from '../../src/knowledge/parse/index.js';
import { Bm25Index } from '../../src/knowledge/retrieve/bm25-index.js';
import { keywordTerms } from '../../src/knowledge/retrieve/keyword-analyzer.js';
import type { RetrievedChunk } from '../../src/knowledge/retrieve/types.js';

export interface CandidateChunk {
  id: number;
  /** What the chunk is judged by: a corpus id, a page. */
  source: string;
  title: string;
  headingPath: string;
  text: string;
}

export class CandidateIndex {
  private readonly index = new Bm25Index({ k1: 1.2, b: 0.75 });
  private readonly byId = new Map<number, CandidateChunk>();

  constructor(chunks: readonly CandidateChunk[]) {
    for (const chunk of chunks) {
      this.byId.set(chunk.id, chunk);
      this.index.add(
        chunk.id,
        keywordTerms([chunk.title, chunk.headingPath, chunk.text].filter(Boolean).join('\n')),
      );
    }
  }

  chunk(id: number): CandidateChunk {
    return this.byId.get(id)!;
  }

  /** The best `k` chunks for `query`, best first, as the keyword retriever returns them. */
  candidates(query: string, k: number): RetrievedChunk[] {
    return this.index.search(keywordTerms(query), k).map(({ id, score }, index) => {
      const chunk = this.byId.get(id)!;
      return {
        chunkId: id,
        documentId: chunk.source,
        title: chunk.title,
        source: chunk.source,
        headingPath: chunk.headingPath,
        text: chunk.text,
        tokenCount: 0,
        score,
        signals: { bm25: { rank: index + 1, score } },
      };
    });
  }
}

/** A document chunked as ingestion chunks it, ids from `firstId` on. */
export async function chunkDocument(
  document: { bytes: Uint8Array; format: DocumentFormat; title?: string; source: string },
  firstId: number,
): Promise<CandidateChunk[]> {
  const prepared = await prepareDocument(document);
  return prepared.chunks.map((chunk, i) => ({
    id: firstId + i,
    source: document.source,
    title: prepared.title,
    headingPath: chunk.headingPath.join(' > '),
    text: chunk.text,
  }));
}
