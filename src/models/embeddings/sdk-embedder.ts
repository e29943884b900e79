// An Embedder over any AI SDK embedding model. The SDK does the work (embedMany splits the input
// into batches and runs them in parallel, its retries honour Retry-After); this adds Parley's
// batch size, a deadline per request, and failures as ParleyErrors.
import { embedMany, wrapEmbeddingModel } from 'ai';
import { isParleyError, ParleyError } from '../../errors/index.js';
import { providerError } from '../provider-error.js';
import type { Embedder, EmbedderOptions, EmbedOptions } from './types.js';

/** The SDK's embedding model type (`EmbeddingModelV3`, which `ai` does not re-export). */
export type SdkEmbeddingModel = Parameters<typeof wrapEmbeddingModel>[0]['model'];

const DEFAULT_BATCH_SIZE = 96;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRIES = 2;
/** Batches in flight at once: enough to hide latency without tripping provider rate limits. */
const PARALLEL_BATCHES = 2;
const PROBE_TEXT = 'dimensions probe';

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ParleyError('PARLEY_ERR_CONFIG', `embedder ${name} must be a positive integer (got ${value})`);
  }
  return value;
}

function isTimeout(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'TimeoutError';
}

export class SdkEmbedder implements Embedder {
  readonly modelId: string;
  readonly #model: SdkEmbeddingModel;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  #dimensions: number | undefined;

  constructor(modelId: string, model: SdkEmbeddingModel, options: EmbedderOptions = {}) {
    this.modelId = modelId;
    const batchSize = positiveInteger('batchSize', options.batchSize ?? DEFAULT_BATCH_SIZE);
    const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#timeoutMs = timeoutMs;
    this.#maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    if (!Number.isInteger(this.#maxRetries) || this.#maxRetries < 0) {
      throw new ParleyError(
        'PARLEY_ERR_CONFIG',
        `embedder maxRetries must be 0 or more (got ${this.#maxRetries})`,
      );
    }
    this.#model = wrapEmbeddingModel({
      model,
      middleware: {
        specificationVersion: 'v3',
        // embedMany splits its input into calls of at most this many values.
        overrideMaxEmbeddingsPerCall: async ({ model: inner }) =>
          Math.min(batchSize, (await inner.maxEmbeddingsPerCall) ?? batchSize),
        // Runs once per HTTP attempt (inside the SDK's retry loop), so each attempt has its own deadline.
        transformParams: async ({ params }) => {
          const deadline = AbortSignal.timeout(timeoutMs);
          const abortSignal = params.abortSignal ? AbortSignal.any([params.abortSignal, deadline]) : deadline;
          return { ...params, abortSignal };
        },
      },
    });
  }

  get dimensions(): number {
    if (this.#dimensions === undefined) {
      throw new ParleyError(
        'PARLEY_ERR_INTERNAL',
        `embedding dimensions of ${this.modelId} are not known yet: call probeDimensions() first`,
      );
    }
    return this.#dimensions;
  }

  async probeDimensions(): Promise<number> {
    if (this.#dimensions === undefined) await this.embed([PROBE_TEXT]);
    return this.dimensions;
  }

  async embed(texts: string[], options: EmbedOptions = {}): Promise<number[][]> {
    if (texts.length === 0) return [];
    const { signal } = options;
    signal?.throwIfAborted();
    // When one batch fails, embedMany rejects at once; this cancels the other batch still in flight.
    const failed = new AbortController();
    try {
      const { embeddings } = await embedMany({
        model: this.#model,
        values: texts,
        maxParallelCalls: PARALLEL_BATCHES,
        maxRetries: this.#maxRetries,
        abortSignal: signal ? AbortSignal.any([signal, failed.signal]) : failed.signal,
      });
      this.#check(embeddings, texts.length);
      return embeddings;
    } catch (error) {
      failed.abort();
      // The caller cancelled: that is not the provider's failure.
      if (signal?.aborted) throw error;
      if (isParleyError(error)) throw error;
      if (isTimeout(error)) {
        throw new ParleyError(
          'PARLEY_ERR_DEPENDENCY',
          `embedding provider failed: no response within ${this.#timeoutMs} ms`,
          { cause: error, isRetryable: true },
        );
      }
      throw providerError('embedding provider', error);
    }
  }

  /** A provider answering with the wrong count or width would corrupt the index silently. */
  #check(embeddings: number[][], expected: number): void {
    if (embeddings.length !== expected) {
      throw new ParleyError(
        'PARLEY_ERR_DEPENDENCY',
        `embedding provider failed: returned ${embeddings.length} vectors for ${expected} texts`,
      );
    }
    const width = this.#dimensions ?? embeddings[0]?.length ?? 0;
    const wrong = embeddings.find((vector) => vector.length !== width || vector.length === 0);
    if (wrong) {
      const expectedWidth = width === 0 ? 'a non-empty vector' : `${width} dimensions`;
      throw new ParleyError(
        'PARLEY_ERR_DEPENDENCY',
        `embedding provider failed: returned a ${wrong.length}-dimension vector, expected ${expectedWidth}`,
      );
    }
    this.#dimensions = width;
  }
}
