// Turns a chat message into the sparse, hashed feature vector the intent classifier reads: word
// unigrams and bigrams, the first one or two words and the last word (a follow-up is often
// "and …", "what about …", "it …"), character 3- and 4-grams (typos, word stems), and a few
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

/** Names this featurizer in the model file: a model trained on other features must not load. */
export const INTENT_FEATURE_SET = 'intent-words-1-2+edges+chars-3-4+shape+code+head-400';

const HEAD_CHARS = 400;
const SHAPE_WEIGHT = 0.5;
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

export function intentFeatures(text: string, bits: number): SparseVector {
  const head = text.slice(0, HEAD_CHARS);
  const normalized = normalizeMessage(text);
  const tokens = normalized.match(TOKEN) ?? [];
  const mask = (1 << bits) - 1;
  const words = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    words.add(hash('w', tokens[i]!) & mask);
    if (i > 0) words.add(hash('b', `${tokens[i - 1]} ${tokens[i]}`) & mask);
  }
  if (tokens.length > 0) {
    words.add(hash('s', tokens[0]!) & mask);
    if (tokens.length > 1) words.add(hash('s2', `${tokens[0]} ${tokens[1]}`) & mask);
    words.add(hash('e', tokens.at(-1)!) & mask);
  }
  const chars = new Set<number>();
  const joined = ` ${tokens.join(' ')} `;
  // hash('c', 3 or 4 characters from i), folded in place: no substring per position.
  for (let i = 0; i + 3 <= joined.length; i++) {
    let h = CHAR_FAMILY;
    h = Math.imul(h ^ joined.charCodeAt(i), FNV_PRIME);
    h = Math.imul(h ^ joined.charCodeAt(i + 1), FNV_PRIME);
    h = Math.imul(h ^ joined.charCodeAt(i + 2), FNV_PRIME);
    chars.add((h >>> 0) & mask);
    if (i + 4 <= joined.length) chars.add((Math.imul(h ^ joined.charCodeAt(i + 3), FNV_PRIME) >>> 0) & mask);
  }
  const shape = new Set<number>();
  for (const name of shapeOf(normalized, tokens)) shape.add(hash('f', name) & mask);
  for (const [name, pattern] of CODE_MARKS) if (pattern.test(head)) shape.add(hash('k', name) & mask);

  // A bucket taken by two families keeps its first value: collisions are rare and harmless.
  const values = new Map<number, number>();
  addFamily(values, words);
  addFamily(values, chars);
  for (const bucket of shape) if (!values.has(bucket)) values.set(bucket, SHAPE_WEIGHT);
  return { indices: Uint32Array.from(values.keys()), values: Float32Array.from(values.values()) };
}

function shapeOf(normalized: string, tokens: string[]): string[] {
  const n = tokens.length;
  const names = [n <= 3 ? `len:${n}` : n <= 5 ? 'len:4-5' : n <= 8 ? 'len:6-8' : 'len:9+'];
  if (normalized.endsWith('?')) names.push('ends:?');
  if (n <= 8 && tokens.some((token) => ANAPHORS.has(token))) names.push('short+anaphor');
  return names;
}

function addFamily(values: Map<number, number>, buckets: Set<number>) {
  const value = 1 / Math.sqrt(buckets.size || 1);
  for (const bucket of buckets) if (!values.has(bucket)) values.set(bucket, value);
}

/** The FNV-1a state after a family tag and its separator: where each of its hashes starts. */
function familyState(family: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < family.length; i++) h = Math.imul(h ^ family.charCodeAt(i), FNV_PRIME);
  return Math.imul(h ^ 0x1f, FNV_PRIME);
}

const CHAR_FAMILY = familyState('c');

/** FNV-1a of a family tag and a string. */
function hash(family: string, text: string): number {
  let h = familyState(family);
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}
