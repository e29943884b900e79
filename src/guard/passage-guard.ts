// The passage guard: retrieved passages that ingestion flagged as holding instructions aimed at a
// model (indirect injection) are always quoted as data; `downrank` puts them after every other
// passage, `drop` removes them (the bot's `documents` policy).
import type { Guard, GuardedPassage } from './guard.js';

export const passageGuard: Guard = {
  name: 'passages',
  passages<P extends GuardedPassage>(
    passages: P[],
    policy: { documents: 'quote' | 'downrank' | 'drop' },
  ): P[] {
    if (policy.documents === 'quote' || !passages.some((passage) => passage.flagged)) return passages;
    const clean = passages.filter((passage) => !passage.flagged);
    return policy.documents === 'drop' ? clean : [...clean, ...passages.filter((passage) => passage.flagged)];
  },
};
