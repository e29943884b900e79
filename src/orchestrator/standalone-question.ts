// Follow-ups: "and how do I turn it off?" means nothing to retrieval on its own. When a message
// leans on the conversation, retrieval is asked a standalone question written from it and the
// user's previous message; the model still sees the message as the user wrote it, after the
// conversation. Written by rules (no model call on the critical path): the previous question's
// words carry the topic that the follow-up's pronoun or opening points back to, which is what a
// keyword or vector search needs. A plain question is searched as it is.
import type { Understanding } from './understand-message.js';

/** Opening words that continue the previous message rather than start a new topic. */
const CONTINUES =
  /^(?:and|but|so|also|then|or|what about|how about|what if|same for|same with|why not|and if|ok(?:ay)?,? (?:and|but|so|what|how))\b/i;

/** Words that point back at something named earlier in the conversation. */
const POINTS_BACK =
  /\b(?:it|its|it's|that|this|those|these|they|them|their|the (?:first|second|third|last|other|former|latter|same) one)\b/i;

/**
 * Longest message (in words) read as a follow-up by its pointing words alone: in a longer one
 * ("read the config and pass it to the handler") they point inside the message itself.
 */
const SHORT = 6;

/**
 * Whether `message` leans on the conversation before it: it opens by continuing it, or is short
 * and points back at something, or the intent classifier is sure it is a follow-up.
 */
export function leansOnConversation(message: string, understanding: Understanding | undefined): boolean {
  const text = message.trim();
  if (CONTINUES.test(text)) return true;
  const words = text.split(/\s+/).filter(Boolean).length;
  if (words <= SHORT && POINTS_BACK.test(text)) return true;
  return understanding?.intent === 'follow_up' && understanding.score >= 0.8 && words <= 6;
}

/**
 * The question retrieval is asked for a follow-up: the user's previous message, then this one.
 * Undefined when there is no previous user message to lean on.
 */
export function standaloneQuestion(
  message: string,
  recent: readonly { role: 'user' | 'assistant'; content: string }[],
): string | undefined {
  const previous = recent.findLast((entry) => entry.role === 'user')?.content.trim();
  if (!previous) return undefined;
  return `${previous} ${message.trim()}`;
}
