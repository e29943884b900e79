// Turns normalised text into a sparse feature vector for the injection classifier: word
// unigrams and bigrams plus character 4-grams, hashed into a fixed number of buckets (the
// "hashing trick", so no vocabulary has to ship with the model), binary, scaled to unit length.
// One pass over the characters, no substrings: a 10 kB prompt takes well under a millisecond.

/** A sparse vector: bucket indices and their values. */
export interface SparseVector {
  indices: Uint32Array;
  values: Float32Array;
}

// Long prompts are cut for speed; the opening of a jailbreak carries most of its signal.
const MAX_WORDS = 1500;
const MAX_CHARS = 2000;
const CHAR_GRAM = 4;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Buckets already taken by the current text, marked with a per-call stamp (no clearing needed). */
const stamps = new Map<number, Uint32Array>();
let stamp = 0;

export function hashedFeatures(normalized: string, bits: number): SparseVector {
  const mask = (1 << bits) - 1;
  const seen = stampsFor(bits);
  if (stamp === 0xffffffff) {
    seen.fill(0);
    stamp = 0;
  }
  stamp++;
  const found: number[] = [];
  const add = (hash: number) => {
    const bucket = hash & mask;
    if (seen[bucket] !== stamp) {
      seen[bucket] = stamp;
      found.push(bucket);
    }
  };
  addWordFeatures(normalized, add);
  const end = Math.min(normalized.length, MAX_CHARS) - CHAR_GRAM;
  for (let i = 0; i <= end; i++) {
    let hash = FNV_OFFSET ^ 0x63;
    for (let j = i; j < i + CHAR_GRAM; j++) hash = Math.imul(hash ^ normalized.charCodeAt(j), FNV_PRIME);
    add(hash >>> 0);
  }
  const value = found.length === 0 ? 0 : 1 / Math.sqrt(found.length);
  return { indices: Uint32Array.from(found), values: new Float32Array(found.length).fill(value) };
}

/** Word unigrams and bigrams; a word is a run of letters and digits. */
function addWordFeatures(text: string, add: (hash: number) => void) {
  let words = 0;
  let previous = 0;
  let hash = 0;
  let inWord = false;
  for (let i = 0; i <= text.length && words < MAX_WORDS; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 32;
    if (isWordChar(code, text, i)) {
      if (!inWord) hash = FNV_OFFSET ^ 0x77;
      hash = Math.imul(hash ^ code, FNV_PRIME);
      inWord = true;
      continue;
    }
    if (!inWord) continue;
    inWord = false;
    words++;
    add(hash >>> 0);
    if (previous !== 0) add(Math.imul(Math.imul(previous ^ 0x62, 0x9e3779b1) ^ hash, FNV_PRIME) >>> 0);
    previous = hash >>> 0 || 1;
  }
}

function isWordChar(code: number, text: string, index: number): boolean {
  if (code < 128)
    return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90);
  return WORD_CHAR.test(text[index]!);
}

function stampsFor(bits: number): Uint32Array {
  let table = stamps.get(bits);
  if (!table) {
    table = new Uint32Array(1 << bits);
    stamps.set(bits, table);
  }
  return table;
}
