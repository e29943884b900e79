import { describe, expect, it } from 'vitest';
import { type CuratedEntry, CuratedIndex } from './curated-index.js';

const ENTRIES: CuratedEntry[] = [
  { id: 'a', question: 'How do I reset my password?', answer: 'Use the "Forgot password" link.' },
  { id: 'b', question: 'What are your opening hours?', answer: '9 to 5, Monday to Friday.' },
  { id: 'c', question: 'How do I change my email address?', answer: 'Under Settings, Account.' },
];

describe('CuratedIndex', () => {
  const index = CuratedIndex.of(ENTRIES);

  it('matches the same question, however it is spelled, with score 1', () => {
    expect(index.match('how do i reset my password', 0.85)).toEqual({ ...ENTRIES[0], score: 1 });
    expect(index.match('  HOW do I reset my password!!! ', 0.85)?.id).toBe('a');
  });

  it('matches a close paraphrase', () => {
    const match = index.match('Can you tell me how I can reset my password, please?', 0.85);
    expect(match?.id).toBe('a');
    expect(match?.score).toBeGreaterThanOrEqual(0.85);
  });

  it('does not match a different question, even one sharing words', () => {
    expect(index.match('How do I delete my account?', 0.85)).toBeUndefined();
    expect(index.match('How do I change my password?', 0.85)).toBeUndefined();
    expect(index.match('', 0.85)).toBeUndefined();
  });

  it('respects the threshold it is given', () => {
    const message = 'What are the opening hours on weekends?';
    const loose = index.match(message, 0.3);
    expect(loose?.id).toBe('b');
    expect(loose!.score).toBeLessThan(0.85);
    expect(index.match(message, 0.85)).toBeUndefined();
    expect(index.match(message, loose!.score)?.id).toBe('b');
  });

  it('matches nothing when it holds nothing', () => {
    expect(CuratedIndex.of([]).match('How do I reset my password?', 0)).toBeUndefined();
  });

  it('builds the same index in slices as at once', async () => {
    const sliced = await CuratedIndex.build(ENTRIES);
    for (const message of ['How can I reset my password?', 'opening hours on weekends', 'unrelated'])
      expect(sliced.match(message, 0.3)).toEqual(index.match(message, 0.3));
  });

  it('finds the right entry among 5,000', () => {
    const many: CuratedEntry[] = Array.from({ length: 5_000 }, (_, i) => ({
      id: `q${i}`,
      question: `How do I configure feature number ${i} for product line ${i % 37}?`,
      answer: `Answer ${i}`,
    }));
    const big = CuratedIndex.of(many);
    expect(big.size).toBe(5_000);
    expect(big.match('how do i configure feature number 4321 for product line 31', 0.85)?.id).toBe('q4321');
    expect(big.match('please, how can I configure feature number 17 for product line 17', 0.85)?.id).toBe(
      'q17',
    );
    expect(big.match('What is the weather like?', 0.85)).toBeUndefined();
    // The per-entry counts are reset after each match: the same message scores the same again.
    expect(big.match('configure feature number 17 for product line 17', 0.5)).toEqual(
      big.match('configure feature number 17 for product line 17', 0.5),
    );
  });
});
