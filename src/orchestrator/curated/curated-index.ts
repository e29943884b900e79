// One bot's curated answers held in memory for matching: a map from normalised question to entry
// (exact matches), and an inverted index from word feature to the entries holding it, so a
// message is scored against the entries it shares a feature with only (a count per entry), never
// against every question.
import { normaliseQuestion, questionFeatures } from './question-similarity.js';

/** A curated answer as the matcher holds it. */
export interface CuratedEntry {
  id: string;
  question: string;
  answer: string;
}

/** The curated answer a message matched, and how closely (1: the same normalised question). */
export interface CuratedMatch {
  id: string;
  question: string;
  answer: string;
  score: number;
}

/** Entries indexed between two yields to the event loop by `CuratedIndex.build`. */
const BUILD_SLICE = 250;

export class CuratedIndex {
  private readonly exact = new Map<string, CuratedEntry>();
  private readonly postings = new Map<string, number[]>();
  private readonly sizes: Uint16Array;
  /** Shared-feature counts per entry, reused by each match (matching is synchronous). */
  private readonly counts: Uint16Array;

  private constructor(private readonly entries: readonly CuratedEntry[]) {
    this.sizes = new Uint16Array(entries.length);
    this.counts = new Uint16Array(entries.length);
  }

  /** The index of these entries, built at once (tests, benchmarks, small lists). */
  static of(entries: readonly CuratedEntry[]): CuratedIndex {
    const index = new CuratedIndex(entries);
    for (let i = 0; i < entries.length; i++) index.add(i);
    return index;
  }

  /**
   * The index of these entries, built in slices with the event loop free between them: thousands
   * of entries take tens of milliseconds, which other requests must not wait for in one piece.
   */
  static async build(entries: readonly CuratedEntry[]): Promise<CuratedIndex> {
    const index = new CuratedIndex(entries);
    for (let i = 0; i < entries.length; i++) {
      index.add(i);
      if (i % BUILD_SLICE === BUILD_SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
    }
    return index;
  }

  private add(position: number): void {
    const entry = this.entries[position]!;
    this.exact.set(normaliseQuestion(entry.question), entry);
    const features = questionFeatures(entry.question);
    this.sizes[position] = Math.min(features.size, 0xffff);
    for (const feature of features) {
      const list = this.postings.get(feature);
      if (list) list.push(position);
      else this.postings.set(feature, [position]);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** The closest entry scoring at least `threshold` (ties: the first stored), or undefined. */
  match(message: string, threshold: number): CuratedMatch | undefined {
    if (this.entries.length === 0) return undefined;
    const same = this.exact.get(normaliseQuestion(message));
    if (same) return { ...same, score: 1 };
    const features = questionFeatures(message);
    if (features.size === 0) return undefined;
    const touched: number[] = [];
    for (const feature of features) {
      for (const index of this.postings.get(feature) ?? []) {
        if (this.counts[index] === 0) touched.push(index);
        this.counts[index]! += 1;
      }
    }
    let best = -1;
    let bestScore = 0;
    for (const index of touched) {
      const score = this.counts[index]! / Math.sqrt(features.size * this.sizes[index]!);
      this.counts[index] = 0;
      if (score > bestScore || (score === bestScore && index < best)) {
        best = index;
        bestScore = score;
      }
    }
    if (best < 0 || bestScore < threshold) return undefined;
    return { ...this.entries[best]!, score: Math.min(bestScore, 1) };
  }
}
