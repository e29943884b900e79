// How the in-memory keyword index turns text into terms, for chunks and queries alike, after
// PostgreSQL's `english` text search configuration, so that a chunk matches the same words in
// memory as in the database: dotted names (`reply.code`, `fastify.register`, `0.0.0.0`) and
// paths (`http/1`, `/posts`) stay whole, as PostgreSQL's parser keeps hosts and files; a
// hyphenated word counts whole and by its parts; other letter-and-digit runs are words,
// lower-cased, without PostgreSQL's English stop words, reduced by the same Snowball English
// (Porter2) stemmer (words with digits are kept as they are).
// Before either analyzer reads a text, `searchableText` rewrites what PostgreSQL's parser would
// cut wrongly, the same way for chunks and queries: a contraction becomes its words ("isn't" ->
// "is not", both stop words, instead of the term `isn`), and a snake_case identifier is written
// with hyphens (`work_mem` -> `work-mem`), so both analyzers keep it whole and by its parts, as
// they do a hyphenated word.
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

// A path (with a slash), a dotted name, a hyphenated word, or a plain letter-and-digit run: groups
// 1, 2 and 3 tell the first three apart. Unicode property classes make a regex several times
// slower, and every chunk and every passage of an answer is read with it, so a text whose letters
// and digits are all ASCII (after other characters, which no token can hold, become spaces) is
// read by the same pattern spelled in ASCII classes: the same tokens, in a quarter of the time.
const TOKEN =
  /((?:[\p{L}\p{N}_.-]*\/)+[\p{L}\p{N}_.-]*[\p{L}\p{N}_])|([\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)+)|([\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)+)|[\p{L}\p{N}]+/gu;
const ASCII_TOKEN =
  /((?:[a-z0-9_.-]*\/)+[a-z0-9_.-]*[a-z0-9_])|([a-z0-9_-]+(?:\.[a-z0-9_-]+)+)|([a-z0-9]+(?:-[a-z0-9]+)+)|[a-z0-9]+/g;
const NON_ASCII = /[\u0080-\uffff]/;
/** A character outside ASCII that is no letter or digit: it separates tokens as a space does. */
const NON_ASCII_SEPARATOR = /[^\p{ASCII}\p{L}\p{N}]/gu;

/** The pattern that reads a lower-cased text, and the text it reads. */
function tokenReader(lower: string): [RegExp, string] {
  if (!NON_ASCII.test(lower)) return [ASCII_TOKEN, lower];
  const spaced = lower.replace(NON_ASCII_SEPARATOR, ' ');
  return NON_ASCII.test(spaced) ? [TOKEN, spaced] : [ASCII_TOKEN, spaced];
}
const HAS_DIGIT = /\p{N}/u;

// Stems of recent words: a text's vocabulary is Zipfian, so most words were stemmed before.
const STEM_CACHE_MAX = 100_000;
let stems = new Map<string, string>();

function stemOf(word: string): string {
  let stemmed = stems.get(word);
  if (stemmed === undefined) {
    stemmed = HAS_DIGIT.test(word) ? word : stem(word);
    if (stems.size >= STEM_CACHE_MAX) stems = new Map();
    stems.set(word, stemmed);
  }
  return stemmed;
}

function pushWord(terms: string[], word: string): void {
  if (word.length <= MAX_TERM_CHARS && !STOP_WORDS.has(word)) terms.push(stemOf(word));
}

// What comes before "n't" where it is not the verb itself: "ca|n't", "wo|n't", "sha|n't", "ai|n't".
const IRREGULAR_NEGATIONS: Record<string, string> = { ca: 'can', wo: 'will', sha: 'shall', ai: 'is' };
const CLITICS: Record<string, string> = {
  re: ' are',
  ve: ' have',
  ll: ' will',
  d: ' would',
  m: ' am',
  s: '',
};
// "isn't", "can't", "don’t" (typographic apostrophe too); "you're", "we'll", "user's". English
// only, so ASCII classes: a Unicode property class makes each of these regexes an order of
// magnitude slower, and every chunk and every passage of an answer goes through them.
const NEGATION = /(?<![\w'’])([A-Za-z]+)n['’]t\b/g;
const CLITIC = /(?<=[A-Za-z])['’](re|ve|ll|d|m|s)\b/gi;
// Underscores inside a word, each part after one starting with a letter (PostgreSQL reads `x-1`
// as `x` and the number -1); not inside a dotted name or a path, which are kept whole already.
const SNAKE_CASE = /(?<![\w./-])[A-Za-z0-9]+(?:_+[A-Za-z][A-Za-z0-9]*)+(?![\w/-]|\.\w)/g;

/**
 * A text as both keyword analyzers read it (in memory and PostgreSQL's): contractions spelled out,
 * snake_case identifiers hyphenated. Idempotent; stored as chunks' `search_text` and applied to
 * every keyword query.
 */
export function searchableText(text: string): string {
  if (!/['’_]/.test(text)) return text;
  return text
    .replace(NEGATION, (_, word: string) => `${IRREGULAR_NEGATIONS[word.toLowerCase()] ?? word} not`)
    .replace(CLITIC, (_, clitic: string) => CLITICS[clitic.toLowerCase()] ?? '')
    .replace(SNAKE_CASE, (identifier) => identifier.replace(/_+/g, '-'));
}

/** Appends the terms of one token (a match of TOKEN or ASCII_TOKEN over lower-cased text) to `terms`. */
function pushToken(terms: string[], match: RegExpMatchArray): void {
  const token = match[0];
  if (match[1] !== undefined || match[2] !== undefined) {
    // Kept whole and not stemmed, as PostgreSQL keeps hosts and files (a trailing dot is punctuation).
    const whole = token.replace(/[.-]+$/, '');
    if (whole.length <= MAX_TERM_CHARS) terms.push(whole);
  } else if (match[3] !== undefined) {
    pushWord(terms, token);
    for (const part of token.split('-')) pushWord(terms, part);
  } else {
    pushWord(terms, token);
  }
}

/** A text's search terms, in order (repeats kept: term frequency counts). */
export function keywordTerms(text: string): string[] {
  const terms: string[] = [];
  const [pattern, lower] = tokenReader(searchableText(text).toLowerCase());
  for (const match of lower.matchAll(pattern)) pushToken(terms, match);
  return terms;
}

/**
 * The start of a text (as `searchableText` writes it) up to its `count`-th search term: a page's
 * opening, which says what the page is about (a man page's NAME line, a module's one-line summary).
 */
export function openingText(text: string, count: number): string {
  if (count <= 0) return '';
  const searchable = searchableText(text);
  const lower = searchable.toLowerCase();
  // Lower-casing keeps offsets for the text it is used on; if it did not, the whole text is read.
  const source = lower.length === searchable.length ? lower : searchable;
  const terms: string[] = [];
  for (const match of source.matchAll(TOKEN)) {
    pushToken(terms, match);
    if (terms.length >= count) return searchable.slice(0, (match.index ?? 0) + match[0].length);
  }
  return searchable;
}

/** How much a chunk's page title, heading path and page opening weigh in its search text. */
export interface FieldWeights {
  /** Times the title and heading path count (1: once, as written at the start of every chunk). */
  heading: number;
  /** Search terms of the page's opening (its first chunk's start) that the page's other chunks repeat. */
  openingTerms: number;
  /** Times the opening counts in each of the page's other chunks (0: not at all). */
  opening: number;
  /**
   * Blocks of a chunk whose link density is above this (a table of contents, an index, a link list:
   * parse/link-density.ts) are left out of its search text; the chunk's text keeps them (1: none).
   */
  maxLinkDensity: number;
}

/**
 * The default (docs/benchmarks.md, "Ranking beyond BM25"): the title and heading path once, as
 * written; the page's opening (15 terms) twice more in each of its later chunks; the blocks of
 * link lists out. The opening and the link lists earn their place together (PARLEY_KEYWORD_PAGE_OPENING,
 * PARLEY_KEYWORD_MAX_LINK_DENSITY): each alone leaves one of the two manuals where it was.
 */
export const FIELD_WEIGHTS: FieldWeights = { heading: 1, openingTerms: 15, opening: 2, maxLinkDensity: 0.5 };

/**
 * What a chunk's `search_text` adds after its text, so that fields weigh as `weights` says (a
 * term's frequency is what BM25 weighs): the title and heading path again, `heading - 1` times, and
 * the page's opening (`openingText` of its first chunk; empty for the first chunk itself), `opening`
 * times. Both keyword rankings read `search_text`, so both weigh the fields alike.
 */
export function fieldBoost(
  fields: { title: string; headingPath: string; pageOpening: string },
  weights: FieldWeights = FIELD_WEIGHTS,
): string {
  const heading = searchableText([fields.title, fields.headingPath].filter(Boolean).join('\n'));
  const parts: string[] = [];
  for (let i = 1; i < weights.heading; i++) parts.push(heading);
  for (let i = 0; i < weights.opening && fields.pageOpening; i++) parts.push(fields.pageOpening);
  return parts.join('\n');
}
