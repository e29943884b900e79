import { describe, expect, it } from 'vitest';
import {
  findNearDuplicates,
  isNearDuplicate,
  nearDuplicateReason,
  normaliseMessage,
  stem,
  wordEditDistance,
} from './near-duplicate.js';

const reason = (a: string, b: string) => nearDuplicateReason(normaliseMessage(a), normaliseMessage(b));

describe('near-duplicate rule', () => {
  it('normalises case, contractions, punctuation, endings and stop words', () => {
    expect(normaliseMessage("What's the APR on my cards?").words).toEqual(['apr', 'on', 'card']);
    expect(normaliseMessage("I don't see it, turn it off").words).toEqual(['not', 'see', 'turn', 'off']);
    expect(normaliseMessage('hi, how are you doing')).toMatchObject({
      words: [],
      allWords: ['how', 'are', 'you', 'doing'],
    });
    expect(normaliseMessage('yes please').allWords).toEqual(['yes']);
    expect(stem('policies')).toBe('policy');
    expect(stem('stopped')).toBe('stop');
    expect(stem('class')).toBe('class');
    expect(wordEditDistance(['a', 'b', 'c'], ['a', 'c'])).toBe(1);
  });

  it.each([
    ['escalate this to a human please', 'escalate this to a human', 'edit'],
    ["what's a normal resting heart rate", 'what is a normal resting heart rate', 'edit'],
    ['switch my plan to monthly', 'switch me to the monthly plan', 'reordered'],
    ['thank you, that is perfect', 'perfect, thank you', 'reordered'],
    ['flip a coin for me', 'ai, flip a coin for me', 'grams'],
    ['yes', 'yes please', 'edit'],
    ['and how do I do that?', 'how do I do that?', 'edit'],
  ])('catches "%s" near "%s" (%s)', (a, b, why) => {
    expect(reason(a, b)).toBe(why);
    expect(reason(b, a)).toBe(why);
  });

  it.each([
    ['how do I improve my credit score', "how's my credit score"],
    ['how many moons does jupiter have', 'how many moons does mars have'],
    ['okay', 'are you okay'],
    ['what if that fails?', 'it failed'],
    ['how do I do that', 'how are you doing'],
    ['turn it on', 'turn it off'],
    ['how long does a refund take', 'how long does shipping take'],
  ])('leaves "%s" and "%s" apart (topical, not a paraphrase)', (a, b) => {
    expect(isNearDuplicate(a, b)).toBe(false);
  });

  it('finds the same pairs through its index as by comparing every pair', () => {
    const texts = [
      'escalate this to a human please',
      'switch my plan to monthly',
      'flip a coin for me',
      'how many moons does jupiter have',
      'yes',
      'okay',
      'reset my password',
      'how do I reset my password',
      'please reset my password now',
    ];
    const others = [
      'escalate this to a human',
      'switch me to the monthly plan',
      'ai, flip a coin for me',
      'how many moons does mars have',
      'yes please',
      'are you okay',
      'reset my password please',
      'my password reset fails',
    ];
    const brute = texts.flatMap((a, training) =>
      others.flatMap((b, heldOut) => {
        const why = reason(a, b);
        return why ? [{ training, heldOut, reason: why }] : [];
      }),
    );
    expect(brute.length).toBeGreaterThan(5);
    expect(findNearDuplicates(texts, others)).toEqual(brute);
  });
});
