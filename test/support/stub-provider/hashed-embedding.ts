// Deterministic stand-in embeddings: a hashed bag of word stems, L2-normalised, so texts that share
// words are close under cosine similarity and retrieval tests can rely on the ranking.

export const DEFAULT_STUB_DIMENSIONS = 64;

// Crude stemming is enough here: "refunds" and "refunded" should land on the same dimension as "refund".
const SUFFIXES = ['ing', 'ed', 'ly', 's'];
const MIN_STEM_LENGTH = 3;

/** The lowercased word stems of a text, in order. */
export function wordStems(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map(stem);
}

function stem(word: string): string {
  for (const suffix of SUFFIXES) {
    if (word.endsWith(suffix) && word.length - suffix.length >= MIN_STEM_LENGTH) {
      return word.slice(0, -suffix.length);
    }
  }
  return word;
}

/** 32-bit FNV-1a: stable across runs and platforms, unlike anything seeded. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * Each stem adds 1 to the dimension it hashes to; the counts are L2-normalised. A text with no
 * words gets the uniform unit vector, so no vector is ever zero (cosine distance stays defined).
 */
export function hashedEmbedding(text: string, dimensions = DEFAULT_STUB_DIMENSIONS): number[] {
  const counts = new Array<number>(dimensions).fill(0);
  for (const word of wordStems(text)) {
    const index = fnv1a(word) % dimensions;
    counts[index] = (counts[index] ?? 0) + 1;
  }
  const norm = Math.sqrt(counts.reduce((sum, count) => sum + count * count, 0));
  if (norm === 0) return counts.fill(1 / Math.sqrt(dimensions));
  return counts.map((count) => count / norm);
}
