// Runs a BEIR dataset through Parley's own ingestion and retrieval and scores the ranking.
// Chunks are mapped back to their corpus document (the document's source is the corpus id);
// a document ranks where its best chunk ranks.
import type { Ingestion } from '../../knowledge/ingest/index.js';
import type { Retriever } from '../../knowledge/retrieve/index.js';
import type { BeirDataset } from './beir-dataset.js';
import { mrrAt, ndcgAt, recallAt } from './ranking-metrics.js';

export interface RetrievalScores {
  ndcg10: number;
  recall100: number;
  mrr10: number;
  queries: number;
  latencyMs: { p50: number; p99: number };
}

const SOURCE_PREFIX = 'beir:';

/** The source a corpus document is ingested under (what its citations and chunks name). */
export const corpusSource = (id: string) => `${SOURCE_PREFIX}${id}`;

export async function ingestBeirCorpus(
  ingestion: Ingestion,
  target: { tenantId: string; kbId: string },
  dataset: Pick<BeirDataset, 'corpus'>,
  onProgress: (done: number) => void = () => {},
  concurrency = 4,
): Promise<{ chunks: number; empty: number }> {
  let next = 0;
  let done = 0;
  let chunks = 0;
  let empty = 0;
  const worker = async () => {
    while (next < dataset.corpus.length) {
      const doc = dataset.corpus[next++]!;
      // A record with neither text nor title (Cranfield has two) has nothing to ingest: it stays
      // in the judgements, where it can only be missed, as with any retriever.
      const text = doc.text.trim() ? doc.text : doc.title;
      if (!text.trim()) {
        empty++;
        onProgress(++done);
        continue;
      }
      const outcome = await ingestion.ingestNow({
        ...target,
        bytes: Buffer.from(text, 'utf8'),
        format: 'text',
        title: doc.title || doc.id,
        source: corpusSource(doc.id),
      });
      chunks += outcome.chunkCount;
      onProgress(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { chunks, empty };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function scoreRetrieval(
  retriever: Retriever,
  tenantId: string,
  dataset: BeirDataset,
): Promise<RetrievalScores> {
  let ndcg = 0;
  let recall = 0;
  let mrr = 0;
  const latencies: number[] = [];
  for (const query of dataset.queries) {
    const started = performance.now();
    const { chunks } = await retriever.search(query.text, { tenantId, topK: 100 });
    latencies.push(performance.now() - started);
    const ranked: string[] = [];
    const seen = new Set<string>();
    for (const chunk of chunks) {
      const id = chunk.source?.startsWith(SOURCE_PREFIX)
        ? chunk.source.slice(SOURCE_PREFIX.length)
        : chunk.documentId;
      if (!seen.has(id)) {
        seen.add(id);
        ranked.push(id);
      }
    }
    const relevant = dataset.qrels.get(query.id)!;
    ndcg += ndcgAt(ranked, relevant, 10);
    recall += recallAt(ranked, relevant, 100);
    mrr += mrrAt(ranked, relevant, 10);
  }
  const n = Math.max(dataset.queries.length, 1);
  latencies.sort((a, b) => a - b);
  return {
    ndcg10: ndcg / n,
    recall100: recall / n,
    mrr10: mrr / n,
    queries: dataset.queries.length,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
  };
}
