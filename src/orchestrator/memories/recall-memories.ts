// Which of a user's memories a turn brings into its prompt: their preferences for answers (they
// hold for any question), then the facts that share content words with the question, most shared
// first. Not every memory is sent every turn; the context budget then keeps what fits.
import { contentTerms } from '../extractive-answer.js';
import type { MemoryRecord } from './memory-store.js';

/** Most memories offered to the context budget in one turn. */
export const MAX_RECALLED = 20;

/** The memories relevant to `question`, in the order the prompt lists them. */
export function recallMemories(
  memories: readonly MemoryRecord[],
  question: string,
  max = MAX_RECALLED,
): MemoryRecord[] {
  if (memories.length === 0) return [];
  const wanted = new Set(contentTerms(question));
  const scored: { memory: MemoryRecord; score: number; order: number }[] = [];
  memories.forEach((memory, order) => {
    if (memory.kind === 'preference') {
      scored.push({ memory, score: Number.POSITIVE_INFINITY, order });
      return;
    }
    const terms = new Set(contentTerms(`${memory.topic.replace(/_/g, ' ')} ${memory.text}`));
    let shared = 0;
    for (const term of terms) if (wanted.has(term)) shared++;
    if (shared > 0) scored.push({ memory, score: shared, order });
  });
  // Ties keep the stored order: the latest updated first.
  scored.sort((a, b) => b.score - a.score || a.order - b.order);
  return scored.slice(0, max).map((entry) => entry.memory);
}
