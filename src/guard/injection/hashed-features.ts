// Turns normalised text into a sparse feature vector for the injection classifier: word unigrams
// and bigrams plus character 4-grams, hashed into a fixed number of buckets (the "hashing
// trick", so no vocabulary has to ship with the model), binary. Diacritics are folded first
// ("vergiß"/"vergiss", "ignorez"/"ignorèz" share their grams), and each family is scaled to unit
// length on its own, so that a long text's thousands of character grams do not drown its words.
// (Character 2- to 5-grams scored the same in cross-validation but called more short ordinary
// requests such as "http2 server that still accepts http/1 clients" attacks.)
// Bounded work: only the first 1,000 and the last 300 characters are read (a jailbreak states
// itself at the start, an injection appended to a question at the end), so a 16 kB message costs
// what a 2 kB one does.

import { headAndTail } from './normalize-text.js';

/** A sparse vector: bucket indices and their values. An index may appear once per family. */
export interface SparseVector {
  indices: Uint32Array;
  values: Float32Array;
}

/** Names this featurizer in the model file: a model trained on other features must not load. */
export const FEATURE_SET = 'words-1-2+chars-4+folded+head-1000-tail-300';

const HEAD_CHARS = 1000;
const TAIL_CHARS = 300;
const CHAR_GRAM = 4;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const WORD_CHAR = /[\p{L}\p{N}]/u;

const FOLDS: Record<string, string> = {
  ß: 'ss',
  ä: 'a',
  à: 'a',
  á: 'a',
  â: 'a',
  ç: 'c',
  é: 'e',
  è: 'e',
  ê: 'e',
  ë: 'e',
  í: 'i',
  î: 'i',
  ï: 'i',
  ñ: 'n',
  ö: 'o',
  ó: 'o',
  ô: 'o',
  ü: 'u',
  ú: 'u',
  ù: 'u',
  û: 'u',
};
const FOLDABLE = new RegExp(`[${Object.keys(FOLDS).join('')}]`, 'g');
const NON_ASCII = /[^\x20-\x7e\s]/;

/** Buckets already taken by the current text, per family, marked with a per-call stamp. */
const stampTables = new Map<number, { words: Uint32Array; chars: Uint32Array }>();
let stamp = 0;

/** The part of a normalised text the features are read from, diacritics folded. */
export function featureWindow(normalized: string): string {
  const window = headAndTail(normalized, HEAD_CHARS, TAIL_CHARS);
  return NON_ASCII.test(window) ? window.replace(FOLDABLE, (c) => FOLDS[c]!) : window;
}

export function hashedFeatures(normalized: string, bits: number): SparseVector {
  const text = featureWindow(normalized);
  const tables = tablesFor(bits);
  if (stamp === 0xffffffff) {
    tables.words.fill(0);
    tables.chars.fill(0);
    stamp = 0;
  }
  stamp++;
  const mask = (1 << bits) - 1;
  const words = wordFeatures(text, tables.words, mask);
  const chars = charFeatures(text, tables.chars, mask);
  const indices = new Uint32Array(words.length + chars.length);
  indices.set(words);
  indices.set(chars, words.length);
  const values = new Float32Array(indices.length);
  if (words.length > 0) values.fill(1 / Math.sqrt(words.length), 0, words.length);
  if (chars.length > 0) values.fill(1 / Math.sqrt(chars.length), words.length);
  return { indices, values };
}

/** Word unigrams and bigrams; a word is a run of letters and digits. */
function wordFeatures(text: string, seen: Uint32Array, mask: number): number[] {
  const found: number[] = [];
  let previous = 0;
  let hash = 0;
  let inWord = false;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 32;
    if (isWordChar(code, text, i)) {
      if (!inWord) hash = FNV_OFFSET ^ 0x77;
      hash = Math.imul(hash ^ code, FNV_PRIME);
      inWord = true;
      continue;
    }
    if (!inWord) continue;
    inWord = false;
    mark(hash & mask, seen, found);
    if (previous !== 0)
      mark(Math.imul(Math.imul(previous ^ 0x62, 0x9e3779b1) ^ hash, FNV_PRIME) & mask, seen, found);
    previous = hash >>> 0 || 1;
  }
  return found;
}

/** Every run of 4 characters, spaces and punctuation included (they mark word edges). */
function charFeatures(text: string, seen: Uint32Array, mask: number): number[] {
  const found: number[] = [];
  for (let i = 0; i + CHAR_GRAM <= text.length; i++) {
    let hash = FNV_OFFSET ^ 0x63;
    for (let j = i; j < i + CHAR_GRAM; j++) hash = Math.imul(hash ^ text.charCodeAt(j), FNV_PRIME);
    mark(hash & mask, seen, found);
  }
  return found;
}

/** Adds a bucket once per text: `seen` holds the stamp of the last text that took it. */
function mark(bucket: number, seen: Uint32Array, found: number[]) {
  if (seen[bucket] !== stamp) {
    seen[bucket] = stamp;
    found.push(bucket);
  }
}

function isWordChar(code: number, text: string, index: number): boolean {
  if (code < 128)
    return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90);
  return WORD_CHAR.test(text[index]!);
}

function tablesFor(bits: number) {
  let tables = stampTables.get(bits);
  if (!tables) {
    tables = { words: new Uint32Array(1 << bits), chars: new Uint32Array(1 << bits) };
    stampTables.set(bits, tables);
  }
  return tables;
}
