import { describe, expect, it } from 'vitest';
import { NO_MEMORY } from './conversation-memory.js';
import { matchesHandoffRule, messageHandoff, notFoundHandoff, ruleText } from './handoff-triggers.js';
import { DEFAULT_INTENT_POLICY } from './understand-message.js';

const rules = ['refund', 'cancel my account'].map(ruleText);

describe('handoff triggers', () => {
  it('matches a rule as whole words, whatever the case and punctuation', () => {
    expect(matchesHandoffRule(rules, 'I want a REFUND!')).toBe(true);
    expect(matchesHandoffRule(rules, 'please, cancel   my account.')).toBe(true);
    expect(matchesHandoffRule(rules, 'refunds are described where?')).toBe(false);
    expect(matchesHandoffRule(rules, 'cancel the account')).toBe(false);
    expect(matchesHandoffRule([], 'refund')).toBe(false);
  });

  it('names the reason of a handoff read from the message', () => {
    const policy = { ...DEFAULT_INTENT_POLICY, handoffRules: rules };
    const asked = { intent: 'human' as const, score: 1, unsure: false, handler: 'handoff' as const };
    expect(messageHandoff(policy, 'a person please', asked)).toBe('request');
    expect(messageHandoff(policy, 'refund now', undefined)).toBe('rule');
    expect(messageHandoff(policy, 'how do tides work', undefined)).toBeUndefined();
  });

  it('hands over once the not-found answers in a row reach the limit, never when it is off', () => {
    const policy = { ...DEFAULT_INTENT_POLICY, handoffAfterNotFound: 2 };
    expect(notFoundHandoff(policy, { ...NO_MEMORY, notFoundStreak: 1 })).toBe(false);
    expect(notFoundHandoff(policy, { ...NO_MEMORY, notFoundStreak: 2 })).toBe(true);
    expect(notFoundHandoff(DEFAULT_INTENT_POLICY, { ...NO_MEMORY, notFoundStreak: 9 })).toBe(false);
  });
});
