// Turns a chat message into the sparse, hashed feature vector the intent classifier reads: word
// unigrams and bigrams, the first one or two words and the last word (a follow-up is often
// "and …", "what about …", "it …"), in the second featurizer also word skip-grams and the first
// three words at their positions, character 3- and 4-grams (typos, word stems), and a few
// cheap shape features (length, a question mark, a short message leaning on a pronoun, and marks
// of code read before lower-casing: camelCase, snake_case, dotted names and versions, calls,
// flags, paths, code punctuation — what a developer's question holds and a chore seldom does). Hashed
// into 2^bits buckets, so no vocabulary ships with the model. Each family is scaled to unit
// length on its own, so that character grams do not drown the words.
// Bounded work: only the first 400 characters are read; an intent states itself early.

/** A sparse vector: bucket indices (each once) and their values. */
export interface SparseVector {
  indices: Uint32Array;
  values: Float32Array;
}

/** The first featurizer's name in a model file (no skip-grams). */
export const INTENT_FEATURES_V1 = 'intent-words-1-2+edges+chars-3-4+shape+code+head-400';
/**
 * The same features plus word skip-grams (each word with the one two places after it, "reset _
 * password" in "reset my password") and the first three words each at its position, two
 * families of their own at SKIP_WEIGHT and POSITION_WEIGHT.
 */
export const INTENT_FEATURES_V2 = `${INTENT_FEATURES_V1}+skip-1+pos-3` as const;
/** The featurizers a model file may name; a model trained on other features must not load. */
export const INTENT_FEATURE_SETS = [INTENT_FEATURES_V1, INTENT_FEATURES_V2] as const;
export type IntentFeatureSet = (typeof INTENT_FEATURE_SETS)[number];
/** What the trainer writes. */
export const INTENT_FEATURE_SET: IntentFeatureSet = INTENT_FEATURES_V2;

const HEAD_CHARS = 400;
const SHAPE_WEIGHT = 0.5;
/** The skip-gram and position families' lengths (each scaled to unit length, then by this; chosen with `train:intents -- --validate`). */
const SKIP_WEIGHT = 0.7;
const POSITION_WEIGHT = 0.5;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TOKEN = /[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu;
/** Words a follow-up leans on instead of naming its subject. */
const ANAPHORS = new Set([
  'it',
  'that',
  'this',
  'those',
  'these',
  'them',
  'they',
  'one',
  'ones',
  'there',
  'its',
]);

/** Marks of code in the message as written (before lower-casing), each a shape feature. */
const CODE_MARKS: ReadonlyArray<readonly [string, RegExp]> = [
  ['camel', /\b[a-z]+[A-Z][a-zA-Z]*\b/],
  ['snake', /\b[a-zA-Z]+_[a-zA-Z0-9_]+\b/],
  ['dotted', /\b[a-zA-Z_$][\w$]*\.[a-zA-Z_$][\w$]*/],
  ['version', /\bv?\d+\.\d+(\.\d+|\.x)?\b/],
  ['call', /[\w$]\(/],
  ['flag', /(^|\s)--?[a-z][\w-]*/],
  ['path', /(^|[\s'"`(])\.{0,2}\/[\w:.-]/],
  ['punct', /[{}[\]<>=;`$@#]/],
  ['caps', /\b[A-Z][A-Z0-9_]{2,}\b/],
];

/** Lower-cased, curly apostrophes straightened, cut to the part the features read. */
export function normalizeMessage(text: string): string {
  return text
    .slice(0, HEAD_CHARS)
    .toLowerCase()
    .replace(/[\u2018\u2019`]/g, "'")
    .trim();
}

export function intentFeatures(
  text: string,
  bits: number,
  featureSet: IntentFeatureSet = INTENT_FEATURE_SET,
): SparseVector {
  const head = text.slice(0, HEAD_CHARS);
  const normalized = normalizeMessage(text);
  const tokens = normalized.match(TOKEN) ?? [];
  const mask = (1 << bits) - 1;
  const scratch = scratchFor(bits);
  for (let i = 0; i < tokens.length; i++) {
    scratch.add(Family.Words, hashText(WORD_FAMILY, tokens[i]!) & mask);
    if (i > 0) scratch.add(Family.Words, hashPair(BIGRAM_FAMILY, tokens[i - 1]!, tokens[i]!) & mask);
  }
  if (featureSet === INTENT_FEATURES_V2) {
    for (let i = 2; i < tokens.length; i++)
      scratch.add(Family.Skips, hashPair(SKIP_FAMILY, tokens[i - 2]!, tokens[i]!) & mask);
    for (let i = 0; i < Math.min(POSITION_FAMILIES.length, tokens.length); i++) {
      scratch.add(Family.Positions, hashText(POSITION_FAMILIES[i]!, tokens[i]!) & mask);
    }
  }
  if (tokens.length > 0) {
    scratch.add(Family.Words, hashText(START_FAMILY, tokens[0]!) & mask);
    if (tokens.length > 1) scratch.add(Family.Words, hashPair(START2_FAMILY, tokens[0]!, tokens[1]!) & mask);
    scratch.add(Family.Words, hashText(END_FAMILY, tokens.at(-1)!) & mask);
  }
  const joined = ` ${tokens.join(' ')} `;
  // hash('c', 3 or 4 characters from i), folded in place: no substring per position.
  for (let i = 0; i + 3 <= joined.length; i++) {
    let h = CHAR_FAMILY;
    h = Math.imul(h ^ joined.charCodeAt(i), FNV_PRIME);
    h = Math.imul(h ^ joined.charCodeAt(i + 1), FNV_PRIME);
    h = Math.imul(h ^ joined.charCodeAt(i + 2), FNV_PRIME);
    scratch.add(Family.Chars, (h >>> 0) & mask);
    if (i + 4 <= joined.length)
      scratch.add(Family.Chars, (Math.imul(h ^ joined.charCodeAt(i + 3), FNV_PRIME) >>> 0) & mask);
  }
  for (const name of shapeOf(normalized, tokens))
    scratch.add(Family.Shape, hashText(SHAPE_FAMILY, name) & mask);
  for (const [pattern, bucket] of CODE_MARK_BUCKETS)
    if (pattern.test(head)) scratch.add(Family.Shape, bucket & mask);
  return scratch.vector();
}

/**
 * The buckets of one message, family by family, each bucket once per family and once in the
 * vector (a bucket taken by two families keeps its first value: collisions are rare and
 * harmless), in the order they were first met: the same vector as sets and a map would build,
 * without allocating them per message. One per bucket count, reused (the featurizer is synchronous).
 */
class FeatureScratch {
  /** Buckets in the vector so far. */
  size = 0;
  /** Per bucket: a bit per family it was met in, and TAKEN (in the vector); cleared after each message. */
  private readonly flags: Uint8Array;
  private readonly lists: Array<Uint32Array<ArrayBuffer>> = FAMILY_SCALES.map(
    () => new Uint32Array(LIST_SIZE),
  );
  private readonly counts = FAMILY_SCALES.map(() => 0);

  constructor(bits: number) {
    this.flags = new Uint8Array(1 << bits);
  }

  add(family: Family, bucket: number): void {
    const bit = 1 << family;
    if (this.flags[bucket]! & bit) return;
    this.flags[bucket]! |= bit;
    if (this.counts[family] === this.lists[family]!.length) this.lists[family] = grown(this.lists[family]!);
    this.lists[family]![this.counts[family]!++] = bucket;
  }

  vector(): SparseVector {
    const total = this.counts.reduce((a, b) => a + b, 0);
    const indices = new Uint32Array(total);
    const values = new Float32Array(total);
    this.size = 0;
    FAMILY_SCALES.forEach(([scale, unit], family) => {
      const count = this.counts[family]!;
      this.take(this.lists[family]!, count, unit ? scale / Math.sqrt(count || 1) : scale, indices, values);
    });
    FAMILY_SCALES.forEach((_, family) => {
      for (let i = 0; i < this.counts[family]!; i++) this.flags[this.lists[family]![i]!] = 0;
      this.counts[family] = 0;
    });
    // A bucket in two families is in the vector once: then it is shorter than the families.
    return this.size === indices.length
      ? { indices, values }
      : { indices: indices.slice(0, this.size), values: values.slice(0, this.size) };
  }

  private take(list: Uint32Array, count: number, value: number, indices: Uint32Array, values: Float32Array) {
    for (let i = 0; i < count; i++) {
      const bucket = list[i]!;
      if (this.flags[bucket]! & TAKEN) continue;
      this.flags[bucket]! |= TAKEN;
      indices[this.size] = bucket;
      values[this.size++] = value;
    }
  }
}

/** The families of the vector, in the order they are taken into it. */
const Family = { Words: 0, Chars: 1, Shape: 2, Skips: 3, Positions: 4 } as const;
type Family = (typeof Family)[keyof typeof Family];
/** Each family's value: [length, whether scaled to that length as a whole (else each feature's value)]. */
const FAMILY_SCALES: ReadonlyArray<readonly [number, boolean]> = [
  [1, true],
  [1, true],
  [SHAPE_WEIGHT, false],
  [SKIP_WEIGHT, true],
  [POSITION_WEIGHT, true],
];
const TAKEN = 128;
/** Room for a family's buckets: a message of HEAD_CHARS gives at most two character grams a position. */
const LIST_SIZE = 2 * HEAD_CHARS + 16;

function grown(list: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  const bigger = new Uint32Array(list.length * 2);
  bigger.set(list);
  return bigger;
}

const scratches = new Map<number, FeatureScratch>();

function scratchFor(bits: number): FeatureScratch {
  let scratch = scratches.get(bits);
  if (!scratch) {
    scratch = new FeatureScratch(bits);
    scratches.set(bits, scratch);
  }
  return scratch;
}

function shapeOf(normalized: string, tokens: string[]): string[] {
  const n = tokens.length;
  const names = [n <= 3 ? `len:${n}` : n <= 5 ? 'len:4-5' : n <= 8 ? 'len:6-8' : 'len:9+'];
  if (normalized.endsWith('?')) names.push('ends:?');
  if (n <= 8 && tokens.some((token) => ANAPHORS.has(token))) names.push('short+anaphor');
  return names;
}

/** The FNV-1a state after a family tag and its separator: where each of its hashes starts. */
function familyState(family: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < family.length; i++) h = Math.imul(h ^ family.charCodeAt(i), FNV_PRIME);
  return Math.imul(h ^ 0x1f, FNV_PRIME);
}

const CHAR_FAMILY = familyState('c');
const WORD_FAMILY = familyState('w');
const BIGRAM_FAMILY = familyState('b');
const START_FAMILY = familyState('s');
const START2_FAMILY = familyState('s2');
const END_FAMILY = familyState('e');
const SHAPE_FAMILY = familyState('f');
const SKIP_FAMILY = familyState('k2');
/** The first, second and third word, each at its position. */
const POSITION_FAMILIES = ['p0', 'p1', 'p2'].map(familyState);
/** Each code mark's pattern and the full hash of its shape feature, `hash('k', name)`. */
const CODE_MARK_BUCKETS: ReadonlyArray<readonly [RegExp, number]> = CODE_MARKS.map(([name, pattern]) => [
  pattern,
  hashText(familyState('k'), name),
]);

/** FNV-1a of `text` from a family's state. */
function fold(state: number, text: string): number {
  let h = state;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

/** FNV-1a of a family tag and a string. */
function hashText(family: number, text: string): number {
  return fold(family, text) >>> 0;
}

/** FNV-1a of a family tag and `${first} ${second}`, without building that string. */
function hashPair(family: number, first: string, second: string): number {
  return fold(Math.imul(fold(family, first) ^ 0x20, FNV_PRIME), second) >>> 0;
}
