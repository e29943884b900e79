import { describe, expect, it } from 'vitest';
import { mayBeSameQuestion } from './same-question.js';

describe('mayBeSameQuestion', () => {
  it.each([
    ['How do I enable dark mode?', 'how can I enable the dark mode'],
    ['What causes the tides?', 'what is the cause of tides'],
    ['How do I upgrade to v5?', 'upgrading to v5: how?'],
    ["why can't I log in", 'why can I not log in'],
    ['what is FST_ERR_BAD_URL', 'explain FST_ERR_BAD_URL'],
  ])('takes "%s" and "%s" for the same question', (a, b) => {
    expect(mayBeSameQuestion(a, b)).toBe(true);
  });

  it.each([
    // Words of opposite meaning.
    ['how do I enable dark mode', 'how do I disable dark mode'],
    ['how to install the plugin', 'how to uninstall the plugin'],
    ['add a route', 'remove a route'],
    ['turn logging on', 'turn logging off'],
    ['is the payload valid', 'is the payload invalid'],
    ['set a header on the request', 'set a header on the reply'],
    // A question and its negation.
    ['why does my hook run', "why doesn't my hook run"],
    ['can I use it with TypeScript', 'can I use it without TypeScript'],
    // Other exact names.
    ['migrating from v3 to v4', 'migrating from v4 to v5'],
    ['what does reply.send do', 'what does reply.code do'],
    ['when does onRequest run', 'when does preHandler run'],
  ])('tells "%s" from "%s"', (a, b) => {
    expect(mayBeSameQuestion(a, b)).toBe(false);
    expect(mayBeSameQuestion(b, a)).toBe(false);
  });
});
