// The local reranker: no model, no network. Each candidate is scored by a linear model over a dozen
// lexical, title, heading and proximity features (rerank-features.ts), squashed into [0, 1]. The
// weights ship in local-reranker-model.json, learned by scripts/train-local-reranker.ts from public
// train data only (the file says which); nothing is learned at run time.

import type { RetrievedChunk } from '../retrieve/types.js';
import modelFile from './local-reranker-model.json' with { type: 'json' };
import { FEATURE_NAMES, readChunks, readQuery, rerankFeatures } from './rerank-features.js';
import type { Reranker } from './types.js';

/** A linear model over the features, by name (a feature the file does not name weighs 0). */
export interface LocalRerankerModel {
  /** What the weights were learned from, for whoever reads the file. */
  trainedOn: string;
  bias: number;
  weights: Record<string, number>;
}

export class LocalReranker implements Reranker {
  readonly name = 'local';
  private readonly bias: number;
  private readonly weights: Float64Array;

  constructor(model: LocalRerankerModel = modelFile) {
    this.bias = model.bias;
    this.weights = Float64Array.from(FEATURE_NAMES, (name) => model.weights[name] ?? 0);
  }

  async score(query: string, candidates: readonly RetrievedChunk[], signal: AbortSignal): Promise<number[]> {
    signal.throwIfAborted();
    await readChunks(candidates, signal);
    signal.throwIfAborted();
    return this.scoreNow(query, candidates);
  }

  /** The scores, synchronously: well under a millisecond for 30 candidates once their chunks are read. */
  scoreNow(query: string, candidates: readonly RetrievedChunk[]): number[] {
    const rows = rerankFeatures(readQuery(query), candidates);
    return rows.map((row) => {
      let sum = this.bias;
      for (let i = 0; i < row.length; i++) sum += this.weights[i]! * row[i]!;
      return 1 / (1 + Math.exp(-sum));
    });
  }
}
