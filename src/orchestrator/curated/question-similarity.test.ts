import { describe, expect, it } from 'vitest';
import {
  normaliseQuestion,
  questionFeatures,
  questionSimilarity,
  questionWords,
} from './question-similarity.js';

describe('normaliseQuestion', () => {
  it.each([
    ['  How do I RESET my password?? ', 'how do i reset my password'],
    ['What’s the refund policy?', 'whats the refund policy'],
    ['ｗｉｄｅ　ｔｅｘｔ！', 'wide text'],
    ['opening-hours / weekend…', 'opening hours weekend'],
    ['tabs\tand\nnewlines', 'tabs and newlines'],
    ['???', ''],
  ])('%j -> %j', (input, expected) => {
    expect(normaliseQuestion(input)).toBe(expected);
  });
});

describe('questionWords', () => {
  it('drops filler words but keeps question words and negations', () => {
    expect(questionWords('Why can’t I cancel my order?')).toEqual(['why', 'not', 'cancel', 'order']);
    expect(questionWords('Can you please tell me how to reset my password')).toEqual([
      'how',
      'reset',
      'password',
    ]);
  });

  it('keeps every word of a question made of filler words only', () => {
    expect(questionWords('Can you do that?')).toEqual(['can', 'you', 'do', 'that']);
  });
});

describe('questionSimilarity', () => {
  it('scores the same question, however spelled, 1', () => {
    expect(questionSimilarity('How do I reset my password?', 'how do i reset my PASSWORD')).toBe(1);
  });

  it('scores a paraphrase that only changes filler words high', () => {
    expect(
      questionSimilarity('How do I reset my password?', 'how can I reset my password please'),
    ).toBeGreaterThanOrEqual(0.85);
  });

  it('scores questions that share words but ask something else low', () => {
    expect(questionSimilarity('How do I reset my password?', 'How do I change my password?')).toBeLessThan(
      0.85,
    );
    expect(questionSimilarity('Can I cancel my order?', 'Why can’t I cancel my order?')).toBeLessThan(0.85);
    expect(questionSimilarity('What are your opening hours?', 'Where is your shop?')).toBe(0);
  });

  it('makes word order count through the bigrams', () => {
    expect(questionFeatures('dog bites man')).not.toEqual(questionFeatures('man bites dog'));
    expect(questionSimilarity('dog bites man', 'man bites dog')).toBeLessThan(0.85);
  });
});
