// The answer cache's semantic side: the embeddings of the questions whose answers it keeps, per
// scope (tenant, bot fingerprint and knowledge generation, as in the exact key), so that a question
// worded differently can find the closest one asked before. A scope holds its newest questions
// only and the least recently used scopes go first; a question's vector waits beside its lookup
// key until its answer is stored (a turn that fails keeps nothing). A linear scan over a scope's
// few hundred unit vectors costs well under a millisecond.
import { LRUCache } from 'lru-cache';
import { mayBeSameQuestion } from './same-question.js';

/** Questions kept per scope (the oldest go first). */
const PER_SCOPE = 256;
const MAX_SCOPES = 2_000;

interface Entry {
  key: string;
  question: string;
  vector: Float32Array;
}

/** The closest question asked before and how close it is (cosine). */
export interface Nearest {
  key: string;
  similarity: number;
}

export class SemanticAnswerIndex {
  private readonly scopes = new LRUCache<string, Entry[]>({ max: MAX_SCOPES });
  /** Vectors of questions being answered, by lookup key, until their answers are stored. */
  private readonly waiting = new LRUCache<string, { scope: string; entry: Entry }>({
    max: 1_000,
    ttl: 10 * 60_000,
  });

  /**
   * The question of `scope` closest to `vector` at `minSimilarity` or more that may be the same
   * question (same-question.ts), among those whose answers `alive` still holds.
   */
  nearest(
    scope: string,
    question: string,
    vector: readonly number[],
    minSimilarity: number,
    alive: (key: string) => boolean,
  ): Nearest | undefined {
    const entries = this.scopes.get(scope);
    if (!entries) return undefined;
    const unit = unitVector(vector);
    let best: Nearest | undefined;
    for (const entry of entries) {
      const similarity = dot(unit, entry.vector);
      if (similarity < minSimilarity || (best && similarity <= best.similarity)) continue;
      if (!alive(entry.key) || !mayBeSameQuestion(question, entry.question)) continue;
      best = { key: entry.key, similarity };
    }
    return best;
  }

  /** Keeps a missed question's vector until `stored(key)` says its answer is kept. */
  remember(key: string, scope: string, question: string, vector: readonly number[]): void {
    this.waiting.set(key, { scope, entry: { key, question, vector: unitVector(vector) } });
  }

  /** The answer under `key` is kept: its question can be found from now on. */
  stored(key: string): void {
    const waiting = this.waiting.get(key);
    if (!waiting) return;
    this.waiting.delete(key);
    const entries = (this.scopes.get(waiting.scope) ?? []).filter((entry) => entry.key !== key);
    entries.push(waiting.entry);
    if (entries.length > PER_SCOPE) entries.splice(0, entries.length - PER_SCOPE);
    this.scopes.set(waiting.scope, entries);
  }

  /** The answer under `key` is gone for good: so is its question. */
  forget(key: string): void {
    this.waiting.delete(key);
    for (const [scope, entries] of this.scopes.entries()) {
      const kept = entries.filter((entry) => entry.key !== key);
      if (kept.length !== entries.length) this.scopes.set(scope, kept);
    }
  }
}

function unitVector(vector: readonly number[]): Float32Array {
  const unit = Float32Array.from(vector);
  let norm = 0;
  for (const value of unit) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < unit.length; i++) unit[i]! /= norm;
  return unit;
}

function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
