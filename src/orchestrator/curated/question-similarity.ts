// How close a message is to a curated question. Both are normalised the same way (NFKC, lower
// case, punctuation dropped, whitespace collapsed): equal normalised texts are the same question
// (score 1). Otherwise the score is the cosine of their sets of word features: the content words
// (a short list of English filler words left out) and the bigrams of those words in order.
//
// Why this measure: a curated answer is sent with no model call, so a wrong match is worse than a
// missed one, and the measure must be cheap over thousands of questions on a turn's critical path.
// Dropping filler words lets "how can I reset my password please" meet "How do I reset my
// password?" (score 1); the bigrams make order and phrasing count, so questions that share words
// but ask something else ("reset my password" vs "change my password": 1/3) stay apart, which a
// token-set ratio over unigrams would score higher. Question words (what, why, how...) and
// negations are kept: "why can't I cancel" is not "can I cancel". A set cosine, |A ∩ B| /
// sqrt(|A| |B|), is symmetric, bounded by 1 and computed from an inverted index (curated-index.ts)
// by counting shared features only. No embeddings: no model call, no network, deterministic.

/** Filler words that do not change what is asked (question words and negations are not here). */
const STOPWORDS = new Set(
  (
    'a an the i me my mine myself you your yours we us our it its this that these those there here ' +
    'is are am was were be been being do does did doing have has had will would shall should can ' +
    'could may might must to of in on at by for from with about into as and or so if then just ' +
    'please pls kindly tell know want wanted like need get let some any'
  ).split(' '),
);

// English contractions, expanded before punctuation goes, so "can't" keeps its "not".
const CONTRACTIONS: [RegExp, string][] = [
  [/\bcan['’]t\b/g, 'can not'],
  [/\bwon['’]t\b/g, 'will not'],
  [/n['’]t\b/g, ' not'],
  [/['’](?:s|re|m|ve|ll|d)\b/g, ''],
];

/** The form questions are compared and stored in (curated_answers.question_key). */
export function normaliseQuestion(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The words a text's similarity is computed over: contractions expanded, filler dropped. */
export function questionWords(text: string): string[] {
  let folded = text.normalize('NFKC').toLowerCase();
  for (const [pattern, replacement] of CONTRACTIONS) folded = folded.replace(pattern, replacement);
  const words = normaliseQuestion(folded).split(' ').filter(Boolean);
  const content = words.filter((word) => !STOPWORDS.has(word));
  // A question of filler words only ("can you do that?") is compared on all its words.
  return content.length > 0 ? content : words;
}

/** The features a text is compared on: its words and the bigrams of consecutive words. */
export function questionFeatures(text: string): Set<string> {
  const words = questionWords(text);
  const features = new Set(words);
  for (let i = 1; i < words.length; i++) features.add(`${words[i - 1]} ${words[i]}`);
  return features;
}

/** The set cosine of two feature sets (0 when either is empty). */
export function featureCosine(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const feature of small) if (large.has(feature)) shared++;
  return shared / Math.sqrt(a.size * b.size);
}

/** How close two questions are, 0 to 1; 1 when their normalised forms are equal. */
export function questionSimilarity(a: string, b: string): number {
  if (normaliseQuestion(a) === normaliseQuestion(b)) return 1;
  return featureCosine(questionFeatures(a), questionFeatures(b));
}
