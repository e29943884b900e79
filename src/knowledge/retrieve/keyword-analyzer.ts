// How the in-memory keyword index turns text into terms, for chunks and queries alike: the
// letter-and-digit runs of the text, lower-cased, without PostgreSQL's English stop words, reduced
// by the same Snowball English (Porter2) stemmer as PostgreSQL's `english` configuration. So a
// chunk matches the same words in memory as in the database, within the two tokenisers'
// differences (PostgreSQL also keeps some compound tokens whole, e.g. `fastify.register`).
import { stem } from 'porter2';

// PostgreSQL's tsearch_data/english.stop (the Snowball list).
const STOP_WORDS = new Set(
  `i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
herself it its itself they them their theirs themselves what which who whom this that these those am is are
was were be been being have has had having do does did doing a an the and but if or because as until while of
at by for with about against between into through during before after above below to from up down in out on
off over under again further then once here there when where why how all any both each few more most other
some such no nor not only own same so than too very s t can will just don should now`.split(/\s+/),
);

/** Terms longer than this (hashes, base64, minified code) are not indexed: they cost memory and match nothing a person types. */
const MAX_TERM_CHARS = 48;

const TOKEN = /[\p{L}\p{N}]+/gu;
const HAS_DIGIT = /\p{N}/u;

// Stems of recent words: a text's vocabulary is Zipfian, so most words were stemmed before.
const STEM_CACHE_MAX = 100_000;
let stems = new Map<string, string>();

function stemOf(word: string): string {
  let stemmed = stems.get(word);
  if (stemmed === undefined) {
    stemmed = stem(word);
    if (stems.size >= STEM_CACHE_MAX) stems = new Map();
    stems.set(word, stemmed);
  }
  return stemmed;
}

/** A text's search terms, in order (repeats kept: term frequency counts). */
export function keywordTerms(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.toLowerCase().matchAll(TOKEN)) {
    const token = match[0];
    if (token.length > MAX_TERM_CHARS || STOP_WORDS.has(token)) continue;
    terms.push(HAS_DIGIT.test(token) ? token : stemOf(token));
  }
  return terms;
}
