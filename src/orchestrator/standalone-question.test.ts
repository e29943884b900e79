import { describe, expect, it } from 'vitest';
import { leansOnConversation, standaloneQuestion } from './standalone-question.js';

describe('follow-ups', () => {
  it('reads a message that continues or points back as leaning on the conversation', () => {
    for (const message of [
      'and how do I turn it off?',
      'What about the second one?',
      'How do I configure it?',
      'Is that the default?',
      'but why?',
    ]) {
      expect(leansOnConversation(message, undefined), message).toBe(true);
    }
  });

  it('searches a question that stands on its own as it is', () => {
    for (const message of [
      'What does the onSend hook do?',
      'How do I register a plugin in Fastify?',
      'What causes the tides?',
      'Which logger does Fastify use by default, and how can the log level be changed per route when a plugin sets its own?',
    ]) {
      expect(leansOnConversation(message, undefined), message).toBe(false);
    }
  });

  it("trusts the classifier's sure follow-up for a short message without pointing words", () => {
    const sure = { intent: 'follow_up' as const, score: 0.95, unsure: false, handler: 'knowledge' as const };
    expect(leansOnConversation('yes please', sure)).toBe(true);
    expect(leansOnConversation('yes please', { ...sure, score: 0.5 })).toBe(false);
  });

  it("writes the standalone question from the user's previous message", () => {
    const recent = [
      { role: 'user' as const, content: 'What does the onSend hook do?' },
      { role: 'assistant' as const, content: 'It changes the payload [1].' },
    ];
    expect(standaloneQuestion('and how do I turn it off?', recent)).toBe(
      'What does the onSend hook do? and how do I turn it off?',
    );
    expect(standaloneQuestion('and how do I turn it off?', [])).toBeUndefined();
  });
});
