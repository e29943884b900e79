// What the local reranker reads of a (query, candidate) pair: a handful of numbers, each in [0, 1],
// that a linear model weighs (local-reranker.ts; the weights are learned by
// scripts/train-local-reranker.ts). Terms are the keyword analyzer's, so a word matches here as it
// matched in the index (stemmed, identifiers kept whole). A term's weight is an IDF computed over
// the candidates themselves: the reranker sees no corpus statistics, and among 30 candidates
// that all hold "git", it is the rarer terms that tell them apart.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import { keywordTerms } from '../retrieve/keyword-analyzer.js';
import type { RetrievedChunk } from '../retrieve/types.js';

/** The features, in the order of a model's weights. */
export const FEATURE_NAMES = [
  'fusedRank', // 1 / rank in the fused order: what the retrievers agreed on
  'keywordScore', // the keyword retriever's score over the best candidate's
  'textCoverage', // IDF-weighted share of the query's terms in the text
  'titleCoverage', // ... in the page's title
  'headingCoverage', // ... in the heading path
  'titlePrecision', // share of the title's terms that the query names (the page is about it)
  'proximity', // matched terms over the smallest window of the text holding them all
  'phrases', // share of the query's adjacent term pairs found adjacent in the text
  'identifiers', // share of the query's identifiers (work_mem, reply.code, --onto) found whole
  'earliness', // how early the text first names a query term
  'density', // query-term occurrences over the text's length
  'length', // the text's length in terms (log scale)
  'pageSupport', // share of the other candidates from the same document: the page is about it
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;

/** A chunk as the features read it: its terms by field, and where each text term occurs. */
interface ChunkTerms {
  key: string;
  text: string[];
  title: Set<string>;
  heading: Set<string>;
  /** Positions of each term in `text`. */
  positions: Map<string, number[]>;
}

// A chunk's terms by chunk id: reading a chunk costs far more than scoring it, and the best
// candidates recur from question to question. A chunk's text never changes under its id (a
// re-ingested document gets new chunks); the key checks the fields anyway. Bounded: ~2,000 chunks
// of ~100 terms, their positions, ~10 MB at most.
const chunkCache = new LRUCache<number, ChunkTerms>({ max: 2048 });

function chunkTerms(chunk: RetrievedChunk): ChunkTerms {
  const key = `${chunk.title}\u0000${chunk.headingPath}\u0000${chunk.text.length}`;
  const cached = chunkCache.get(chunk.chunkId);
  if (cached && cached.key === key) return cached;
  const text = keywordTerms(chunk.text);
  const positions = new Map<string, number[]>();
  text.forEach((term, i) => {
    const list = positions.get(term);
    if (list) list.push(i);
    else positions.set(term, [i]);
  });
  const read: ChunkTerms = {
    key,
    text,
    title: new Set(keywordTerms(chunk.title)),
    heading: new Set(keywordTerms(chunk.headingPath)),
    positions,
  };
  chunkCache.set(chunk.chunkId, read);
  return read;
}

/** Longest stretch of chunk reading between two yields to the event loop (ms). */
const READ_SLICE_MS = 1;

/**
 * Reads the candidates not read before (their terms), yielding to the event loop between slices:
 * 30 chunks never seen cost a few milliseconds, too long for one synchronous stretch on a server.
 */
export async function readChunks(candidates: readonly RetrievedChunk[], signal: AbortSignal): Promise<void> {
  let sliceStart = performance.now();
  for (const chunk of candidates) {
    if (performance.now() - sliceStart > READ_SLICE_MS) {
      await yieldToEventLoop();
      signal.throwIfAborted();
      sliceStart = performance.now();
    }
    chunkTerms(chunk);
  }
}

// A token a user types as a name: snake_case, dotted, a path, a command-line flag, camelCase, or
// letters with digits (`http2`, `utf-8` is hyphenated prose and left to the terms).
const IDENTIFIER = /(?:--?[a-z][\w-]*|[\w$]+(?:[._/:][\w$]+)+|[a-z]+_[\w]+|[a-z]+[A-Z]\w*)/g;

/** The query's identifiers, lower-cased, each once. */
export function queryIdentifiers(query: string): string[] {
  return [...new Set((query.match(IDENTIFIER) ?? []).map((token) => token.toLowerCase()))];
}

const WORD_CHAR = /[\w$]/;

/** Whether `haystack` holds `needle` with no word character either side. */
function holdsWhole(haystack: string, needle: string): boolean {
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack[at - 1];
    const after = haystack[at + needle.length];
    const startsWord = WORD_CHAR.test(needle[0]!);
    const endsWord = WORD_CHAR.test(needle[needle.length - 1]!);
    if (
      (!startsWord || !before || !WORD_CHAR.test(before)) &&
      (!endsWord || !after || !WORD_CHAR.test(after))
    )
      return true;
  }
  return false;
}

/** The smallest span of positions holding one occurrence of each list (each list sorted). */
function smallestWindow(lists: number[][]): number {
  const heads = new Array<number>(lists.length).fill(0);
  let best = Number.POSITIVE_INFINITY;
  for (;;) {
    let low = 0;
    let high = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < lists.length; i++) {
      const at = lists[i]![heads[i]!]!;
      if (at < lists[low]![heads[low]!]!) low = i;
      if (at > high) high = at;
    }
    best = Math.min(best, high - lists[low]![heads[low]!]! + 1);
    heads[low]! += 1;
    if (heads[low]! >= lists[low]!.length) return best;
  }
}

/** The query as the features read it, computed once per call. */
export interface QueryTerms {
  terms: string[];
  distinct: string[];
  bigrams: [string, string][];
  identifiers: string[];
}

export function readQuery(query: string): QueryTerms {
  const terms = keywordTerms(query);
  const bigrams: [string, string][] = [];
  for (let i = 1; i < terms.length; i++)
    if (terms[i - 1] !== terms[i]) bigrams.push([terms[i - 1]!, terms[i]!]);
  return { terms, distinct: [...new Set(terms)], bigrams, identifiers: queryIdentifiers(query) };
}

/** The keyword retriever's signal (bm25 or full-text), whichever the candidate carries. */
function keywordSignal(chunk: RetrievedChunk): number {
  return chunk.signals.bm25?.score ?? chunk.signals.fulltext?.score ?? 0;
}

const LENGTH_SCALE = Math.log(1 + 1000);

/** One row of FEATURE_COUNT numbers per candidate, in the candidates' order. */
export function rerankFeatures(query: QueryTerms, candidates: readonly RetrievedChunk[]): Float64Array[] {
  const read = candidates.map(chunkTerms);
  const n = candidates.length;
  // IDF over the candidates: a term every candidate holds tells none apart.
  const weight = new Map<string, number>();
  let totalWeight = 0;
  for (const term of query.distinct) {
    let df = 0;
    for (const chunk of read)
      if (chunk.positions.has(term) || chunk.title.has(term) || chunk.heading.has(term)) df += 1;
    const w = Math.log(1 + (n + 1) / (df + 0.5));
    weight.set(term, w);
    totalWeight += w;
  }
  let bestKeyword = 0;
  for (const chunk of candidates) bestKeyword = Math.max(bestKeyword, keywordSignal(chunk));
  const wanted = new Set(query.distinct);
  const perDocument = new Map<string, number>();
  for (const chunk of candidates)
    perDocument.set(chunk.documentId, (perDocument.get(chunk.documentId) ?? 0) + 1);

  return read.map((chunk, i) => {
    const row = new Float64Array(FEATURE_COUNT);
    let inText = 0;
    let inTitle = 0;
    let inHeading = 0;
    let occurrences = 0;
    let first = chunk.text.length;
    const matched: number[][] = [];
    for (const term of query.distinct) {
      const w = weight.get(term)!;
      const at = chunk.positions.get(term);
      if (at) {
        inText += w;
        occurrences += at.length;
        first = Math.min(first, at[0]!);
        matched.push(at);
      }
      if (chunk.title.has(term)) inTitle += w;
      if (chunk.heading.has(term)) inHeading += w;
    }
    let titleNamed = 0;
    for (const term of chunk.title) if (wanted.has(term)) titleNamed += 1;
    let phrases = 0;
    for (const [a, b] of query.bigrams) {
      const as = chunk.positions.get(a);
      const bs = chunk.positions.get(b);
      if (as && bs && as.some((p) => bs.includes(p + 1))) phrases += 1;
    }
    let identifiers = 0;
    if (query.identifiers.length > 0) {
      // Read as written (not cached: a copy of every text would double the cache's size).
      const raw =
        `${candidates[i]!.title}\n${candidates[i]!.headingPath}\n${candidates[i]!.text}`.toLowerCase();
      for (const identifier of query.identifiers) if (holdsWhole(raw, identifier)) identifiers += 1;
    }

    row[0] = 1 / (i + 1);
    row[1] = bestKeyword > 0 ? keywordSignal(candidates[i]!) / bestKeyword : 0;
    row[2] = totalWeight > 0 ? inText / totalWeight : 0;
    row[3] = totalWeight > 0 ? inTitle / totalWeight : 0;
    row[4] = totalWeight > 0 ? inHeading / totalWeight : 0;
    row[5] = chunk.title.size > 0 ? titleNamed / chunk.title.size : 0;
    row[6] = matched.length >= 2 ? matched.length / smallestWindow(matched) : 0;
    row[7] = query.bigrams.length > 0 ? phrases / query.bigrams.length : 0;
    row[8] = query.identifiers.length > 0 ? identifiers / query.identifiers.length : 0;
    row[9] = matched.length > 0 ? 1 / (1 + first / 20) : 0;
    row[10] = chunk.text.length > 0 ? Math.min(1, occurrences / chunk.text.length / 0.2) : 0;
    row[11] = Math.min(1, Math.log(1 + chunk.text.length) / LENGTH_SCALE);
    row[12] = n > 1 ? (perDocument.get(candidates[i]!.documentId)! - 1) / (n - 1) : 0;
    return row;
  });
}
