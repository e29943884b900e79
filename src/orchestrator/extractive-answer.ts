// The answer Parley gives without a language model: the retrieved sentences that best match the
// question, each cited, and labelled as extracted rather than generated.
import { LRUCache } from 'lru-cache';
import { keywordTerms, type RetrievedChunk } from '../knowledge/index.js';

/** A citation as the API returns it. */
export interface Citation {
  document_id: string;
  title: string;
  source: string | null;
  snippet: string;
  chunk_id: number;
  score: number;
}

export interface ExtractiveAnswer {
  text: string;
  citations: Citation[];
  /** The sentences used, with the citation number each carries. */
  sentences: { text: string; citation: number; score: number }[];
}

export const EXTRACTIVE_LABEL =
  'Extractive answer (no language model is configured): passages from your documents.';
/** Used when models are configured but none of them answered. */
export const DEGRADED_LABEL =
  'Degraded answer (no language model is available right now): passages from your documents.';
export const NOTHING_FOUND = 'I could not find anything about that in the knowledge base.';

// Words a question is phrased with that say nothing of its subject (PostgreSQL's stop words are
// dropped by the keyword analyzer already).
const QUESTION_WORDS = new Set(
  `also get got like may might must make need want tell explain please use used using via`.split(/\s+/),
);

/**
 * The content words of a text, as keyword search reads them (the same analyzer, so a sentence
 * matches the question on the terms that retrieved its passage: "logs" and "logging" meet in
 * `log`, `work_mem` stays whole), without the words a question is phrased with.
 */
export function contentTerms(text: string): string[] {
  return keywordTerms(text).filter((term) => term.length > 1 && !QUESTION_WORDS.has(term));
}

function plainProse(text: string): string {
  const prose = text
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/~~~[\s\S]*?~~~/g, ' ')
    // A fence left open (the chunker cut the block): code to the end.
    .replace(/^\s*(```|~~~)[\s\S]*$/m, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|[-*+]|\d+\.|>)\s+/gm, '');
  // Inline code is kept as written (`__proto__`, `Array<string>`); markup is read only around it.
  return prose
    .split(/(`[^`\n]+`)/)
    .map((part, index) => (index % 2 === 1 ? part : withoutMarkup(part)))
    .join('');
}

function withoutMarkup(text: string): string {
  return (
    text
      // Emphasis only where its marks stand outside a word: `work_mem` and `a_b_c` keep their
      // underscores (41 % of one manual's chunks name such identifiers).
      .replace(/(^|[^\p{L}\p{N}_])([*_]{1,3})(?=\S)([^*_\n]+?)(?<=\S)\2(?![\p{L}\p{N}_])/gu, '$1$3')
      .replace(/<\/?[a-zA-Z][^>]*>/g, ' ')
  );
}

/** A passage cut into prose and fenced code, in order. */
interface Block {
  code: boolean;
  text: string;
  lang: string;
}

const FENCE = /^(```|~~~)([^\n`]*)\n([\s\S]*?)^\1[ \t]*$/gm;

function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  let at = 0;
  for (const match of text.matchAll(FENCE)) {
    if (match.index > at) blocks.push({ code: false, text: text.slice(at, match.index), lang: '' });
    blocks.push({ code: true, text: match[3]!.replace(/\n$/, ''), lang: match[2]!.trim() });
    at = match.index + match[0].length;
  }
  if (at < text.length) blocks.push({ code: false, text: text.slice(at), lang: '' });
  return blocks;
}

/** Code shown under a sentence: a few lines at most, so an answer stays an answer. */
const MAX_CODE_LINES = 16;
const MAX_CODE_CHARS = 1_200;

function codeFence(block: Block): string | undefined {
  const lines = block.text.split('\n');
  if (lines.length > MAX_CODE_LINES || block.text.length > MAX_CODE_CHARS || !block.text.trim())
    return undefined;
  return [`\`\`\`${block.lang}`, ...lines, '```'].join('\n');
}

const HEADING_LINE = /^(?:\s{0,3}#{1,6}\s.*|\s*<h[1-6][^>]*>.*<\/h[1-6]>\s*)$/gim;

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** A paragraph's sentences; a "!" or "?" inside inline code (`logged in!`) ends none. */
function sentencesIn(paragraph: string): string[] {
  const out: string[] = [];
  let open = '';
  for (const { segment } of segmenter.segment(paragraph)) {
    open += segment;
    if ((open.match(/`/g)?.length ?? 0) % 2 === 1) continue;
    out.push(open.trim());
    open = '';
  }
  if (open.trim()) out.push(open.trim());
  return out;
}

interface Sentence {
  text: string;
  /** The code block that follows the sentence's paragraph, when the sentence ends it. */
  code?: string | undefined;
}

function sentencesOf(text: string): Sentence[] {
  const out: Sentence[] = [];
  const blocks = blocksOf(text);
  blocks.forEach((block, index) => {
    if (block.code) return;
    const next = blocks[index + 1];
    // Headings are no sentences (a passage's headings are its heading path already).
    const paragraphs = plainProse(block.text.replace(HEADING_LINE, '\n'))
      .split(/\n\s*\n/)
      .filter((paragraph) => paragraph.trim());
    paragraphs.forEach((paragraph, p) => {
      const kept: Sentence[] = [];
      for (const sentence of sentencesIn(paragraph.replace(/\s+/g, ' ').trim())) {
        const words = sentence.split(' ').length;
        if (words >= 4 && words <= 80 && /[\p{L}]/u.test(sentence)) kept.push({ text: sentence });
      }
      // The last sentence before a code block usually introduces it ("Use redact:"): the code is
      // the answer's substance, kept as code under it.
      const last = kept.at(-1);
      if (last && next?.code && p === paragraphs.length - 1 && /\S/.test(paragraph))
        last.code = codeFence(next);
      out.push(...kept);
    });
  });
  return out;
}

/**
 * Picks up to `maxSentences` sentences from the top chunks: each scored by the question terms it
 * contains (rarer terms weigh more) plus a bonus for its chunk's retrieval rank.
 */
export function extractiveAnswer(
  question: string,
  chunks: RetrievedChunk[],
  maxSentences = 3,
  label = EXTRACTIVE_LABEL,
): ExtractiveAnswer {
  const candidates = chunks.slice(0, MAX_PASSAGES);
  if (candidates.length === 0) return { text: NOTHING_FOUND, citations: [], sentences: [] };
  const queryTerms = new Set(contentTerms(question));
  const scored: {
    text: string;
    code?: string | undefined;
    chunkIndex: number;
    score: number;
    order: number;
  }[] = [];
  const documentFrequency = new Map<string, number>();
  const perSentenceTerms: Set<string>[] = [];
  const matching = (text: string) => new Set(contentTerms(text).filter((term) => queryTerms.has(term)));
  // What each passage is about, by its title and headings: "Logging > Log Redaction".
  const sectionTerms = candidates.map((chunk) => matching(`${chunk.title} ${chunk.headingPath}`));
  candidates.forEach((chunk, chunkIndex) => {
    for (const sentence of sentencesOf(chunk.text)) {
      const present = matching(sentence.text);
      for (const term of present) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
      perSentenceTerms.push(present);
      scored.push({ ...sentence, chunkIndex, score: 0, order: scored.length });
    }
  });
  const total = Math.max(scored.length, 1);
  const weight = (term: string) => Math.log(1 + total / Math.max(documentFrequency.get(term) ?? 1, 1));
  scored.forEach((sentence, index) => {
    let score = 0;
    for (const term of perSentenceTerms[index]!) score += weight(term);
    if (score === 0) return;
    // A sentence under a heading that names the question's subject is more likely its answer than
    // one that shares a word with it in passing ("log redaction" under "Log Redaction", not "logged
    // in!" in a TypeScript tutorial).
    for (const term of sectionTerms[sentence.chunkIndex]!) score += SECTION_WEIGHT * weight(term);
    sentence.score = score + 1 / (sentence.chunkIndex + 1);
  });

  // Retrieval's first passage always contributes its best sentence (the ranker saw the whole
  // passage; the sentence scorer sees only words), then the best-scoring sentences follow, at
  // most two per passage.
  const ranked = scored.sort((a, b) => b.score - a.score || a.order - b.order);
  const lead = ranked.find((sentence) => sentence.chunkIndex === 0);
  const perChunk = new Map<number, number>(lead ? [[0, 1]] : []);
  const rest = ranked
    .filter((sentence) => sentence !== lead && sentence.score > 0)
    .filter((sentence) => {
      const used = perChunk.get(sentence.chunkIndex) ?? 0;
      if (used >= 2) return false;
      perChunk.set(sentence.chunkIndex, used + 1);
      return true;
    });
  const chosen = [...(lead ? [lead] : []), ...rest].slice(0, maxSentences);

  // Citations are numbered by document, in retrieval order (a document ranks where its best
  // passage does): every document quoted, and the top retrieved documents even when none of their
  // sentences was (the ranker saw whole passages; the right page is often among them when the
  // quoted one is not). A quoted document is cited by the passage of its first quote.
  const quoted = new Map<string, (typeof chosen)[number]>();
  for (const sentence of [...chosen].sort((a, b) => a.chunkIndex - b.chunkIndex || a.order - b.order)) {
    const documentId = candidates[sentence.chunkIndex]!.documentId;
    if (!quoted.has(documentId)) quoted.set(documentId, sentence);
  }
  const documents = chunks.map((chunk) => chunk.documentId).filter(distinct);
  const citations: Citation[] = [];
  const citationOf = new Map<string, number>();
  documents.forEach((documentId, rank) => {
    const first = quoted.get(documentId);
    if (!first && rank >= UNQUOTED_CITED) return;
    const chunk = first ? candidates[first.chunkIndex]! : chunks.find((c) => c.documentId === documentId)!;
    citationOf.set(documentId, citations.length + 1);
    citations.push({
      document_id: chunk.documentId,
      title: chunk.title,
      source: chunk.source,
      snippet: snippetOf(chunk.text, 300, first?.text),
      chunk_id: chunk.chunkId,
      score: chunk.score,
    });
  });
  const sentences = chosen.map((sentence) => ({
    text: sentence.text,
    citation: citationOf.get(candidates[sentence.chunkIndex]!.documentId)!,
    score: sentence.score,
  }));
  const lines = chosen.map((sentence, index) => {
    const line = `- ${sentence.text} [${sentences[index]!.citation}]`;
    return sentence.code ? `${line}\n\n${indent(sentence.code)}` : line;
  });
  // Never an empty answer: with no sentence to quote (a passage of code or short lines), the best
  // passage's opening is shown, cited.
  const body = lines.length > 0 ? lines.join('\n') : opening(candidates[0]!);
  return { text: `${label}\n\n${body}`, citations, sentences };
}

/** Passages the answer's sentences are drawn from: those retrieval returned, up to its usual top-k. */
const MAX_PASSAGES = 8;
/** How much a question term in a passage's title or headings adds to each of its matching sentences. */
const SECTION_WEIGHT = 0.5;

/** The best passage (cited [1]): its first prose, or its first code block under its title. */
function opening(chunk: RetrievedChunk): string {
  const prose = proseSnippet(chunk.text, 300);
  if (prose) return `- ${prose} [1]`;
  // A chunk of code alone may have lost its fence to the chunker: its text is the code then.
  const code = codeOf(chunk.text);
  const head = code.text.split('\n').slice(0, MAX_CODE_LINES).join('\n').slice(0, MAX_CODE_CHARS);
  const fence = codeFence({ ...code, text: head });
  return `- ${chunk.title} [1]${fence ? `\n\n${indent(fence)}` : ''}`;
}

/** A passage's first code block, or the passage as code when its fence was cut off. */
const codeOf = (text: string): Block =>
  blocksOf(text).find((block) => block.code && block.text.trim()) ?? unfenced(text);

/** A chunk's text as one code block, its unclosed fence lines dropped (their language kept). */
function unfenced(text: string): Block {
  const lines = text.trim().split('\n');
  const fence = lines.find((line) => /^\s*(```|~~~)/.test(line));
  return {
    code: true,
    text: lines.filter((line) => !/^\s*(```|~~~)/.test(line)).join('\n'),
    lang: fence?.replace(/^\s*(```|~~~)/, '').trim() ?? '',
  };
}

/** Top retrieved documents cited even when none of their sentences is quoted. */
const UNQUOTED_CITED = 3;

const distinct = <T>(value: T, index: number, all: T[]) => all.indexOf(value) === index;

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');

/**
 * A passage's text for a citation: around `quote` when given and found (the sentence the answer
 * took from it), else its opening; at most `max` characters, cut at words. A passage of code alone
 * shows its code.
 */
export function snippetOf(text: string, max = 300, quote?: string): string {
  if (quote !== undefined || max !== 300) return readSnippet(text, max, quote);
  let snippet = openingSnippets.get(text);
  if (snippet === undefined) {
    snippet = readSnippet(text, max);
    openingSnippets.set(text, snippet);
  }
  return snippet;
}

// A passage's opening, by its text: every model answer cites its passages with one, the best
// passages recur from turn to turn, and reading one costs a dozen passes of regular expressions.
const openingSnippets = new LRUCache<string, string>({ max: 1024 });

function readSnippet(text: string, max: number, quote?: string): string {
  return proseSnippet(text, max, quote) || clip(codeOf(text).text.replace(/\s+/g, ' ').trim(), max);
}

function proseSnippet(text: string, max: number, quote?: string): string {
  const flat = plainProse(text).replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const at = quote ? flat.indexOf(quote) : -1;
  if (at <= 0) return clip(flat, max);
  // The quote first, with what context fits before it (a third of the room left) and after it.
  const room = Math.max(max - quote!.length, 0);
  let start = Math.max(at - Math.floor(room / 3), 0);
  if (start > 0) start = flat.indexOf(' ', start) + 1 || start;
  const end = Math.min(start + max - (start > 0 ? 2 : 1), flat.length);
  const window = flat.slice(start, end).trimEnd();
  return `${start > 0 ? '…' : ''}${window}${end < flat.length ? '…' : ''}`;
}

const clip = (flat: string, max: number) =>
  flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
