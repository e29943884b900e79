// The rerank stage, in front of fused retrieval: the best `topN` fused candidates are scored by a
// reranker and ordered by its scores, within a budget. The reranker has `timeoutMs` (the caller's
// signal too); a reranker that fails, is late or whose breaker is open (after `breakerThreshold`
// failures in a row, it is left alone for `breakerCooldownMs`, then tried with one search) leaves
// the fused order, and the result names it among the failures (so it is traced, and not cached).
// Chunks below the top N keep their fused order after the reranked ones.
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import { Counter, Histogram, type Registry } from 'prom-client';
import { orAbort } from '../retrieve/or-abort.js';
import type { RetrievedChunk, Retriever, SearchOptions, SearchResult } from '../retrieve/types.js';
import type { Reranker } from './types.js';

export interface RerankBudget {
  /** Fused candidates the reranker reads (the rest keep their order after them). */
  topN: number;
  /** How long the reranker may take before the fused order stands. */
  timeoutMs: number;
  /** Failures in a row after which the reranker is skipped for `breakerCooldownMs` (default 5). */
  breakerThreshold?: number;
  breakerCooldownMs?: number;
}

/** How one search's reranking went: `reranked`, or why the fused order stood. */
export type RerankOutcome = 'reranked' | 'timeout' | 'error' | 'circuit_open' | 'cancelled';

/** The signal name of the reranker's score in `RetrievedChunk.signals`. */
export const RERANK_SIGNAL = 'rerank';

export class RerankingRetriever implements Retriever {
  readonly name: string;
  readonly #breaker;
  #requests: Counter<'reranker' | 'outcome'> | undefined;
  #duration: Histogram<'reranker'> | undefined;

  constructor(
    private readonly inner: Retriever,
    private readonly reranker: Reranker,
    private readonly budget: RerankBudget,
  ) {
    this.name = `${inner.name}>${reranker.name}`;
    this.#breaker = circuitBreaker(handleAll, {
      halfOpenAfter: budget.breakerCooldownMs ?? 30_000,
      breaker: new ConsecutiveBreaker(budget.breakerThreshold ?? 5),
    });
  }

  async search(query: string, options: SearchOptions): Promise<SearchResult> {
    const found = await this.inner.search(query, {
      ...options,
      topK: Math.max(options.topK, this.budget.topN),
    });
    const candidates = found.chunks.slice(0, this.budget.topN);
    if (candidates.length < 2) return { ...found, chunks: found.chunks.slice(0, options.topK) };
    const started = performance.now();
    const deadline = AbortSignal.timeout(this.budget.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    let outcome: RerankOutcome = 'reranked';
    let chunks = found.chunks;
    const failures = [...found.failures];
    try {
      const scores = await this.#breaker.execute(() =>
        orAbort(this.reranker.score(query, candidates, signal), signal),
      );
      chunks = [...reorder(candidates, scores), ...found.chunks.slice(candidates.length).map(unscored)];
    } catch (error) {
      // The caller gave up: nothing to fall back for, and not the reranker's failure.
      if (options.signal?.aborted) throw error;
      outcome = error instanceof BrokenCircuitError ? 'circuit_open' : deadline.aborted ? 'timeout' : 'error';
      failures.push({
        retriever: `rerank:${this.reranker.name}`,
        message: failureMessage(outcome, error, this.budget),
      });
    } finally {
      const labels = { reranker: this.reranker.name };
      this.#requests?.inc({ ...labels, outcome: options.signal?.aborted ? 'cancelled' : outcome });
      this.#duration?.observe(labels, (performance.now() - started) / 1000);
    }
    return { ...found, chunks: chunks.slice(0, options.topK), failures };
  }

  /** For /readyz: the reranker, its budget, and whether its breaker lets it be called. */
  status(): {
    reranker: string;
    top_n: number;
    timeout_ms: number;
    circuit: 'closed' | 'open' | 'half_open';
  } {
    const state = this.#breaker.state;
    return {
      reranker: this.reranker.name,
      top_n: this.budget.topN,
      timeout_ms: this.budget.timeoutMs,
      circuit:
        state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half_open' : 'open',
    };
  }

  registerMetrics(registry: Registry): void {
    this.#requests = new Counter({
      name: 'parley_rerank_requests_total',
      help: 'Searches whose best candidates went to the reranker, by outcome: reranked, or the fused order stood (timeout, error, circuit_open: skipped after repeated failures; cancelled: the turn was)',
      labelNames: ['reranker', 'outcome'],
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: 'parley_rerank_duration_seconds',
      help: "The rerank stage's time per search (bounded by PARLEY_RERANK_TIMEOUT_MS)",
      labelNames: ['reranker'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  }

  invalidate(tenantId: string): void {
    this.inner.invalidate?.(tenantId);
  }

  generation(tenantId: string): number | undefined {
    return this.inner.generation?.(tenantId);
  }
}

/** The candidates by the reranker's scores (ties keep the fused order), each with its signal. */
function reorder(candidates: readonly RetrievedChunk[], scores: readonly number[]): RetrievedChunk[] {
  if (scores.length !== candidates.length || !scores.every(Number.isFinite)) {
    throw new Error(
      `the reranker scored ${scores.length} of ${candidates.length} candidates, or not as numbers`,
    );
  }
  return candidates
    .map((chunk, index) => ({ chunk, index, score: scores[index]! }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map(({ chunk, score }, rank) => ({
      ...chunk,
      score,
      signals: { ...chunk.signals, [RERANK_SIGNAL]: { rank: rank + 1, score } },
    }));
}

/** A chunk below the reranked ones: after every scored one, in fused order. */
const unscored = (chunk: RetrievedChunk): RetrievedChunk => ({ ...chunk, score: 0 });

function failureMessage(outcome: RerankOutcome, error: unknown, budget: RerankBudget): string {
  if (outcome === 'timeout') return `no ranking within ${budget.timeoutMs} ms: the fused order stands`;
  if (outcome === 'circuit_open') return 'failing repeatedly, left alone for now: the fused order stands';
  return `${error instanceof Error ? error.message : String(error)}: the fused order stands`;
}
