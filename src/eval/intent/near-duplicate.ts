// The near-duplicate rule that keeps paraphrases of held-out messages out of intent training. Fixed
// before any accuracy was read (see docs/orchestrator.md, "Leakage"): two messages are near
// duplicates when, after normalising (lower case, apostrophes dropped, punctuation as spaces,
// light suffix stemming, stop words and question words removed — negations and particles kept),
//   1. their content-word sequences are within a token edit distance of 0.3 × the longer one, or
//   2. they hold the same content words in another order (identical multisets), or
//   3. the character 4-grams of their lower-cased, punctuation-free text have a Jaccard of ≥ 0.7.
// When either has fewer than two content words ("okay", "how are you"), 1 and 2 compare all their
// words but fillers ("please", "hi", articles) instead.
// Topical likeness (the same product words in a different request) is not a near duplicate.
// Pure; `findNearDuplicates` indexes the training side so that 25,000 × 6,000 pairs take a second.

/**
 * Words that carry no request of their own: articles, pronouns, auxiliaries, question words, light
 * prepositions and greetings-as-openers. Negations and particles ("not", "off", "out", "again",
 * "more") stay: they are what tells "turn it off" from "turn it on", "tell me more" from "tell me".
 */
const STOP_WORDS = new Set(
  `a an the i me my mine myself we us our ours ourselves you your yours yourself he him his she her
  it its itself they them their theirs this that these those am is are was were be been being do
  does did doing have has had having will would shall should can could may might must to of for in
  at by with from as into about and or but so if then than please hi hey hello just also very really
  there here what when where why how who whom whose which`.split(/\s+/),
);

/** Lower case, contractions opened ("don't" -> "do not", "what's" -> "what"), punctuation as spaces. */
function plain(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/\bcan't\b/g, 'can not')
    .replace(/\bwon't\b/g, 'will not')
    .replace(/n't\b/g, ' not')
    .replace(/'(s|re|ve|ll|d|m)\b/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** A light stemmer: plural and verb endings only ("resetting" -> "reset", "policies" -> "policy"). */
export function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  for (const suffix of ['ing', 'ed']) {
    if (word.length - suffix.length >= 3 && word.endsWith(suffix)) {
      const base = word.slice(0, -suffix.length);
      // "stopped" -> "stopp" -> "stop"
      return base.length > 3 && base.at(-1) === base.at(-2) ? base.slice(0, -1) : base;
    }
  }
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')) {
    return word.slice(0, -1);
  }
  return word;
}

/** Openers and fillers dropped even from short messages ("yes please" is "yes"). */
const FILLERS = new Set(['a', 'an', 'the', 'please', 'hi', 'hey', 'hello', 'just']);

/**
 * A message as the rule sees it: its content words (stemmed), all its words but fillers (for
 * messages of fewer than two content words, where one shared word says little: "okay" and "are you
 * okay"), and its character 4-grams.
 */
export interface NormalisedMessage {
  words: string[];
  allWords: string[];
  grams: Set<string>;
}

export function normaliseMessage(text: string): NormalisedMessage {
  const flat = plain(text);
  const raw = flat ? flat.split(' ') : [];
  const padded = ` ${flat} `;
  const grams = new Set<string>();
  for (let i = 0; i + 4 <= padded.length; i++) grams.add(padded.slice(i, i + 4));
  return {
    words: raw.filter((word) => !STOP_WORDS.has(word)).map(stem),
    allWords: raw.filter((word) => !FILLERS.has(word)).map(stem),
    grams,
  };
}

/** The word sequences compared for two messages: content words, or all words when either is short. */
function comparedWords(a: NormalisedMessage, b: NormalisedMessage): [string[], string[]] {
  return Math.min(a.words.length, b.words.length) < 2 ? [a.allWords, b.allWords] : [a.words, b.words];
}

/** Levenshtein distance between two word sequences. */
export function wordEditDistance(a: readonly string[], b: readonly string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

function sameMultiset(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((word, i) => word === y[i]);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const gram of a) if (b.has(gram)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

/** The rule's thresholds, fixed in advance. */
export const NEAR_DUPLICATE_RULE = { maxEditShare: 0.3, minGramJaccard: 0.7 } as const;

export type NearDuplicateReason = 'edit' | 'reordered' | 'grams';

/** Which part of the rule makes two messages near duplicates, or undefined when none does. */
export function nearDuplicateReason(
  a: NormalisedMessage,
  b: NormalisedMessage,
): NearDuplicateReason | undefined {
  const [x, y] = comparedWords(a, b);
  const longer = Math.max(x.length, y.length);
  if (longer > 0 && wordEditDistance(x, y) <= NEAR_DUPLICATE_RULE.maxEditShare * longer) return 'edit';
  if (longer > 0 && sameMultiset(x, y)) return 'reordered';
  if (jaccard(a.grams, b.grams) >= NEAR_DUPLICATE_RULE.minGramJaccard) return 'grams';
  return undefined;
}

/** Whether two texts are near duplicates by the rule. */
export function isNearDuplicate(a: string, b: string): boolean {
  return nearDuplicateReason(normaliseMessage(a), normaliseMessage(b)) !== undefined;
}

/** Words numbered by their occurrence ("a", "b", "a" -> "a#1", "b#1", "a#2"): a multiset as a set. */
function numbered(words: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return words.map((word) => {
    const n = (seen.get(word) ?? 0) + 1;
    seen.set(word, n);
    return `${word}#${n}`;
  });
}

/**
 * An index for prefix filtering: two sets that share at least `share` of the larger one's elements
 * (a Jaccard of ≥ t implies a share of ≥ t) share one of the |S| − ⌈share·|S|⌉ + 1 rarest elements
 * of each, rarity counted over both sides.
 */
class PrefixIndex {
  private readonly frequency = new Map<string, number>();
  private readonly postings = new Map<string, number[]>();

  constructor(
    private readonly share: number,
    sides: readonly (readonly string[])[][],
  ) {
    for (const side of sides) {
      for (const set of side)
        for (const key of set) this.frequency.set(key, (this.frequency.get(key) ?? 0) + 1);
    }
  }

  prefix(set: readonly string[]): string[] {
    const sorted = [...set].sort(
      (x, y) => this.frequency.get(x)! - this.frequency.get(y)! || (x < y ? -1 : x > y ? 1 : 0),
    );
    return sorted.slice(0, sorted.length - Math.ceil(this.share * sorted.length - 1e-9) + 1);
  }

  add(set: readonly string[], id: number) {
    for (const key of this.prefix(set)) {
      const list = this.postings.get(key);
      if (list) list.push(id);
      else this.postings.set(key, [id]);
    }
  }

  /** Adds to `into` the ids whose prefix meets the prefix of `set`. */
  probe(set: readonly string[], into: Set<number>) {
    for (const key of this.prefix(set)) for (const id of this.postings.get(key) ?? []) into.add(id);
  }
}

/** One training text found near a held-out one. */
export interface NearDuplicate {
  training: number;
  heldOut: number;
  reason: NearDuplicateReason;
}

/**
 * Every (training, held-out) pair of near duplicates, by index into the two lists. Candidates are
 * found by prefix filtering on each side's words (a pair within the edit share, or reordered,
 * shares at least 1 − share of the longer one's words), on all words but fillers, and on 4-grams,
 * then checked by the rule.
 */
export function findNearDuplicates(training: readonly string[], heldOut: readonly string[]): NearDuplicate[] {
  const train = training.map(normaliseMessage);
  const held = heldOut.map(normaliseMessage);
  const wordShare = 1 - NEAR_DUPLICATE_RULE.maxEditShare;
  const views: ((m: NormalisedMessage) => string[])[] = [
    (m) => numbered(m.words),
    (m) => numbered(m.allWords),
    (m) => [...m.grams],
  ];
  const indexes = views.map((view, i) => {
    const index = new PrefixIndex(i === 2 ? NEAR_DUPLICATE_RULE.minGramJaccard : wordShare, [
      train.map(view),
      held.map(view),
    ]);
    for (const [id, message] of train.entries()) index.add(view(message), id);
    return index;
  });
  const found: NearDuplicate[] = [];
  held.forEach((message, h) => {
    const candidates = new Set<number>();
    for (const [i, view] of views.entries()) indexes[i]!.probe(view(message), candidates);
    for (const i of candidates) {
      const reason = nearDuplicateReason(train[i]!, message);
      if (reason) found.push({ training: i, heldOut: h, reason });
    }
  });
  return found.sort((x, y) => x.training - y.training || x.heldOut - y.heldOut);
}
