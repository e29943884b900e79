// Times a retriever over a list of queries, one in flight or several, and summarises the
// latencies (p50, p99, mean) with a cheap check that the ranking still works on the synthetic
// corpus: how often the chunk a query was written from comes back among the results.
import type { Retriever } from '../../src/knowledge/index.js';

export interface BenchQuery {
  text: string;
  /** The text of the chunk the query was drawn from. */
  source: string;
}

export interface LatencySummary {
  queries: number;
  inFlight: number;
  p50: number;
  p99: number;
  mean: number;
  /** Queries per second over the whole run. */
  qps: number;
  /** Share of queries whose source chunk is among the top-k results. */
  found: number;
  /** Searches that reported a failed retriever (degraded). */
  degraded: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function measureQueries(
  retriever: Retriever,
  queries: BenchQuery[],
  options: { tenantId: string; topK: number; inFlight: number },
): Promise<LatencySummary> {
  const latencies: number[] = [];
  let found = 0;
  let degraded = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < queries.length) {
      const query = queries[next++]!;
      const began = performance.now();
      const { chunks, failures } = await retriever.search(query.text, {
        tenantId: options.tenantId,
        topK: options.topK,
      });
      latencies.push(performance.now() - began);
      if (failures.length > 0) degraded++;
      if (chunks.some((chunk) => chunk.text === query.source)) found++;
    }
  };
  await Promise.all(Array.from({ length: options.inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    queries: queries.length,
    inFlight: options.inFlight,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    mean: latencies.reduce((sum, value) => sum + value, 0) / Math.max(latencies.length, 1),
    qps: queries.length / seconds,
    found: found / Math.max(queries.length, 1),
    degraded,
  };
}
