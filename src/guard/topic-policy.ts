// Topic limits as keyword lists: a refused subject anywhere in the message, or (when allowed
// subjects are set) a substantial message that mentions none of them.
import { foldText } from './fold-text.js';

export interface TopicPolicy {
  allowed?: string[];
  refused?: string[];
}

export interface TopicVerdict {
  /** `refused:<keyword>` or `off-topic`, when the message is not accepted. */
  rule?: string;
}

// Greetings, thanks and other short messages are never off-topic.
const MIN_WORDS_FOR_OFF_TOPIC = 4;

export function checkTopics(text: string, policy: TopicPolicy): TopicVerdict {
  if (!policy.refused?.length && !policy.allowed?.length) return {};
  const lower = foldText(text).toLowerCase();
  const refused = policy.refused?.find((keyword) => mentions(lower, keyword));
  if (refused) return { rule: `refused:${refused}` };
  const allowed = policy.allowed;
  if (!allowed || allowed.length === 0) return {};
  const words = lower.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
  if (words < MIN_WORDS_FOR_OFF_TOPIC || allowed.some((keyword) => mentions(lower, keyword))) return {};
  return { rule: 'off-topic' };
}

/** Whole-word (or whole-phrase) match, plural `s` allowed, case-insensitive. */
function mentions(lowerText: string, keyword: string): boolean {
  const escaped = keyword
    .toLowerCase()
    .trim()
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\s+/g, '\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?:e?s)?(?![\\p{L}\\p{N}])`, 'u').test(lowerText);
}
