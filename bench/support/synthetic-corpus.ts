// A deterministic, English-like synthetic corpus for the retrieval benchmark: a Zipfian
// vocabulary (real English function words at the top ranks, pronounceable made-up content words
// with English suffixes below, so stop-word removal and stemming behave as on real text), chunks
// of ~150-300 words written on one of a few hundred topics (each topic prefers its own words, as
// real documents do, so query terms co-occur), queries of 2-8 terms taken from a chunk (so every
// query has a good match) and 384-dim unit vectors derived from a text's words (so that a query's
// vector has near neighbours among the chunks it shares words with).
//
// Every chunk, document and query is a pure function of (seed, index): any size can be made in any
// order without holding the corpus in memory.
import { seededRandom } from './seeded-random.js';

/** A 32-bit hash of integers (seeding per-item generators). */
function mix(...values: number[]): number {
  let h = 0x811c9dc5;
  for (const value of values) {
    h = Math.imul(h ^ (value >>> 0), 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

// The most frequent English words, in rough frequency order: about half of running English text.
const FUNCTION_WORDS = (
  'the of and to a in is that for it as was with be by on not he this are or his from at which but ' +
  'have an they you were her she there been one all we their has would when if so no will can more ' +
  'who its into than them these may other some what only could then also such over our most after ' +
  'any how where two both through between each should those under while about very because before'
).split(' ');

const ONSETS = [
  'b',
  'c',
  'd',
  'f',
  'g',
  'h',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'pr',
  'tr',
  'st',
  'cl',
  'gr',
  'sh',
  'th',
  'pl',
  'br',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'io', 'ou'];
const CODAS = ['', '', 'n', 'r', 'l', 's', 't', 'm', 'nd', 'st', 'x'];
const SUFFIXES = ['', '', '', 's', 'ing', 'ed', 'tion', 'er', 'al', 'ity', 'ment', 'ous', 'ly'];

export interface CorpusOptions {
  seed: number;
  /** Distinct words (function words included). */
  vocabulary?: number;
  /** Zipf exponent of the global word distribution. */
  zipf?: number;
  topics?: number;
  /** Words each topic prefers. */
  topicWords?: number;
  /** Share of a chunk's words drawn from its topic's words (the rest from the global distribution). */
  topicShare?: number;
}

/** A chunk of synthetic text and the topic it was written on. */
export interface SyntheticChunk {
  topic: number;
  text: string;
}

export class SyntheticCorpus {
  readonly words: string[];
  private readonly cdf: Float64Array;
  private readonly topicLists: Uint32Array[];
  private readonly topicCdf: Float64Array;
  private readonly seed: number;
  private readonly topicShare: number;
  private readonly wordIndex = new Map<string, number>();

  constructor(options: CorpusOptions) {
    this.seed = options.seed;
    const size = options.vocabulary ?? 50_000;
    const zipf = options.zipf ?? 1.07;
    const topics = options.topics ?? 300;
    const perTopic = options.topicWords ?? 400;
    this.topicShare = options.topicShare ?? 0.35;
    this.words = makeVocabulary(size, options.seed);
    for (const [index, word] of this.words.entries()) this.wordIndex.set(word, index);
    this.cdf = zipfCdf(size, zipf);
    this.topicCdf = zipfCdf(perTopic, 1.0);
    // A topic's words come from the middle and the tail of the vocabulary: the distinctive words.
    this.topicLists = Array.from({ length: topics }, (_, topic) => {
      const random = seededRandom(mix(options.seed, 7, topic));
      const list = new Uint32Array(perTopic);
      const start = FUNCTION_WORDS.length + 200;
      for (let i = 0; i < perTopic; i++) list[i] = start + Math.floor(random() ** 1.5 * (size - start));
      return list;
    });
  }

  get topics(): number {
    return this.topicLists.length;
  }

  /** Chunk `index` of the corpus identified by `stream` (e.g. one per tenant). */
  chunk(stream: number, index: number): SyntheticChunk {
    const random = seededRandom(mix(this.seed, stream, index));
    const topic = Math.floor(random() * this.topicLists.length);
    // 110-230 words: ~150-300 tokens of English.
    const length = 110 + Math.floor(random() * 121);
    const out: string[] = [];
    let sentence = 0;
    let sentenceLength = 8 + Math.floor(random() * 18);
    for (let i = 0; i < length; i++) {
      let word = this.words[this.wordOf(random, topic)]!;
      if (sentence === 0) word = word[0]!.toUpperCase() + word.slice(1);
      sentence++;
      if (sentence >= sentenceLength || i === length - 1) {
        word += '.';
        sentence = 0;
        sentenceLength = 8 + Math.floor(random() * 18);
      } else if (random() < 0.06) word += ',';
      out.push(word);
    }
    return { topic, text: out.join(' ') };
  }

  /**
   * A query of 2-8 terms about `target` (a chunk's text): mostly content words of the chunk (its
   * distinctive and its common ones), sometimes a function word or a related word that the chunk
   * does not contain, as people write them.
   */
  query(stream: number, index: number, target: SyntheticChunk): string {
    const random = seededRandom(mix(this.seed, 1_000_003, stream, index));
    const content = [
      ...new Set(
        target.text
          .toLowerCase()
          .split(/[^a-z]+/)
          .filter((word) => word.length > 0 && (this.wordIndex.get(word) ?? 0) >= FUNCTION_WORDS.length),
      ),
    ];
    const terms = 2 + Math.floor(random() * 7);
    const query: string[] = [];
    for (let i = 0; i < terms; i++) {
      const roll = random();
      if (roll < 0.12) query.push(FUNCTION_WORDS[Math.floor(random() * 20)]!);
      else if (roll < 0.22 || content.length === 0)
        query.push(this.words[this.wordOf(random, target.topic)]!);
      else query.push(content[Math.floor(random() * content.length)]!);
    }
    return query.join(' ');
  }

  /** The vocabulary index of a word, or undefined for a word the corpus never writes. */
  indexOf(word: string): number | undefined {
    return this.wordIndex.get(word);
  }

  private wordOf(random: () => number, topic: number): number {
    if (random() < this.topicShare) {
      return this.topicLists[topic]![search(this.topicCdf, random())]!;
    }
    return search(this.cdf, random());
  }
}

function makeVocabulary(size: number, seed: number): string[] {
  const random = seededRandom(mix(seed, 3));
  const seen = new Set<string>(FUNCTION_WORDS);
  const words = [...FUNCTION_WORDS];
  const pick = (list: string[]) => list[Math.floor(random() * list.length)]!;
  while (words.length < size) {
    // Common words are short, rare ones longer, as in English.
    const syllables = 1 + (random() < 0.45 ? 1 : 0) + (words.length > 5_000 && random() < 0.35 ? 1 : 0);
    let word = '';
    for (let s = 0; s < syllables; s++)
      word += pick(ONSETS) + pick(VOWELS) + (s === syllables - 1 ? pick(CODAS) : '');
    word += pick(SUFFIXES);
    if (word.length < 3 || seen.has(word)) continue;
    seen.add(word);
    words.push(word);
  }
  return words;
}

function zipfCdf(size: number, exponent: number): Float64Array {
  const cdf = new Float64Array(size);
  let total = 0;
  for (let rank = 1; rank <= size; rank++) {
    total += 1 / rank ** exponent;
    cdf[rank - 1] = total;
  }
  for (let i = 0; i < size; i++) cdf[i]! /= total;
  return cdf;
}

/** The first index whose cumulative share reaches `value`. */
function search(cdf: Float64Array, value: number): number {
  let low = 0;
  let high = cdf.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cdf[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Deterministic 384-dim unit vectors from a text's words: the sum of a fixed random direction per
 * content word (rarer words weigh more, like IDF), normalised. Texts that share distinctive
 * words are close; a query's nearest chunks are those written with its words.
 */
export class SyntheticEmbedder {
  readonly modelId = 'bench:synthetic-384';
  readonly dimensions = 384;
  private readonly directions = new Map<number, Float32Array>();

  constructor(
    private readonly corpus: SyntheticCorpus,
    private readonly seed: number,
  ) {}

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.vector(text));
  }

  vector(text: string): number[] {
    const sum = new Float64Array(this.dimensions);
    for (const word of new Set(text.toLowerCase().split(/[^a-z]+/))) {
      const index = this.corpus.indexOf(word);
      if (index === undefined || index < FUNCTION_WORDS.length) continue;
      const direction = this.direction(index);
      const weight = Math.log(2 + index);
      for (let d = 0; d < this.dimensions; d++) sum[d]! += weight * direction[d]!;
    }
    let norm = 0;
    for (let d = 0; d < this.dimensions; d++) norm += sum[d]! * sum[d]!;
    norm = Math.sqrt(norm) || 1;
    // A text without known words still gets a valid unit vector.
    if (norm === 1 && sum.every((value) => value === 0)) sum[0] = 1;
    return Array.from(sum, (value) => value / norm);
  }

  private direction(index: number): Float32Array {
    let direction = this.directions.get(index);
    if (!direction) {
      const random = seededRandom(mix(this.seed, 11, index));
      direction = new Float32Array(this.dimensions);
      for (let d = 0; d < this.dimensions; d++) direction[d] = random() * 2 - 1;
      this.directions.set(index, direction);
    }
    return direction;
  }
}
