// Whether retrieval split a short, underspecified message between distinct topics: the best
// passages come from two or more documents (or, within one document, sections) whose scores are
// close, and nothing in the message tells them apart. Then the bot asks which one is meant,
// offering their titles, instead of guessing.
//
// Conservative by design, since a clarifying question the user did not need costs a turn and
// reads as obtuse, where a guess that is wrong is still an answer with citations: only a message
// of one search term, or of two whose object is a pronoun ("how do I install it?"), is
// underspecified enough; the scores are compared per retriever (a fused rank score says nothing
// of how close two passages are), each within the bot's margin of the best passage's; and a
// message that names one topic (a term of its title and not of the other's) means that one.
import { keywordTerms, type RetrievedChunk } from '../knowledge/index.js';
import type { IntentPolicy, Understanding } from './understand-message.js';

/** Longest message (in words) that may be underspecified. */
const MAX_WORDS = 8;
/** Only the first ranks are candidates: a topic further down was not close. */
const TOP_RANKS = 4;
const MAX_TOPICS = 3;
/** Words that stand for something the message does not name. */
const DANGLING = /\b(?:it|this|that|these|those|they|them|one)\b/i;
/** A term that names something exactly (an error code, an API, a path, a version): specific. */
const IDENTIFIER = /[\d._/]/;
const CAMEL_CASE = /\p{Ll}\p{Lu}/u;

export type SplitPassage = Pick<RetrievedChunk, 'documentId' | 'title' | 'headingPath' | 'score' | 'signals'>;

/** Whether a message says too little to choose between topics on its own. */
export function underspecified(message: string): boolean {
  const words = message.split(/\s+/).filter(Boolean);
  if (words.length > MAX_WORDS || CAMEL_CASE.test(message)) return false;
  const terms = new Set(keywordTerms(message));
  if ([...terms].some((term) => IDENTIFIER.test(term))) return false;
  return terms.size === 1 || (terms.size === 2 && DANGLING.test(message));
}

/** Whether `other` scored within `margin` of `best` with every retriever that found `best`. */
export function closeScores(best: SplitPassage, other: SplitPassage, margin: number): boolean {
  const retrievers = Object.keys(best.signals);
  if (retrievers.length === 0) return other.score >= best.score * (1 - margin);
  return retrievers.every((retriever) => {
    const theirs = other.signals[retriever];
    return theirs !== undefined && theirs.score >= best.signals[retriever]!.score * (1 - margin);
  });
}

/** The section a passage is from, as a title: the last heading of its path (the document's title without one). */
function sectionTitle(passage: SplitPassage): string {
  return passage.headingPath.split(' > ').at(-1)?.trim() || passage.title;
}

/**
 * The titles of the topics retrieval split `message` between (2-3, best first), or undefined
 * when it did not: the message is specific, one topic stands out, or the message names one.
 * `passages` are in rank order; `margin` is the bot's (0 turns this off).
 */
export function retrievalSplit(
  message: string,
  passages: readonly SplitPassage[],
  margin: number,
): string[] | undefined {
  const best = passages[0];
  if (!best || margin <= 0 || !underspecified(message)) return undefined;
  const ranked = passages.slice(0, TOP_RANKS);
  // Topics are documents when the first passages come from several, else sections of the one.
  const byDocument = ranked.some((passage) => passage.documentId !== best.documentId);
  const topicOf = (passage: SplitPassage) => (byDocument ? passage.documentId : passage.headingPath);
  const titleOf = (passage: SplitPassage) => (byDocument ? passage.title.trim() : sectionTitle(passage));
  const seen = new Set<string>();
  const titles: string[] = [];
  for (const passage of ranked) {
    const topic = topicOf(passage);
    if (seen.has(topic) || !closeScores(best, passage, margin)) continue;
    seen.add(topic);
    const title = titleOf(passage);
    if (title && !titles.includes(title)) titles.push(title);
  }
  if (titles.length < 2) return undefined;
  const offered = titles.slice(0, MAX_TOPICS);
  // A term of the message in some titles but not all: the message names the topic it means.
  const titleTerms = offered.map((title) => new Set(keywordTerms(title)));
  for (const term of new Set(keywordTerms(message))) {
    const naming = titleTerms.filter((terms) => terms.has(term)).length;
    if (naming > 0 && naming < titleTerms.length) return undefined;
  }
  return offered;
}

/**
 * The understanding of a knowledge question whose retrieval split between topics: a clarifying
 * question offering them. Undefined when another handler answers the message, the bot does not
 * clarify, or retrieval did not split.
 */
export function splitClarification(
  understanding: Understanding | undefined,
  policy: Pick<IntentPolicy, 'clarify' | 'splitMargin'>,
  message: string,
  passages: readonly SplitPassage[],
): Understanding | undefined {
  if (!policy.clarify || (understanding && understanding.handler !== 'knowledge')) return undefined;
  const topics = retrievalSplit(message, passages, policy.splitMargin);
  if (!topics) return undefined;
  // No intent step read the message: it is a question as far as anyone knows.
  const read = understanding ?? { intent: 'question', score: 0, unsure: true, handler: 'knowledge' };
  return { ...read, handler: 'clarify', topics };
}

/** The clarifying question for a split: which of the topics is meant. */
export function splitQuestion(titles: readonly string[]): string {
  const options = `${titles.slice(0, -1).join(', ')} or ${titles.at(-1)}`;
  return `Your question could be about ${options}. Which one do you mean?`;
}
