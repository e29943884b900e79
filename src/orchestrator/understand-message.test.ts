import { describe, expect, it } from 'vitest';
import type { IntentResult } from './intent/index.js';
import {
  clarifyingQuestion,
  DEFAULT_INTENT_POLICY,
  type IntentReader,
  smallTalkReply,
  understandMessage,
} from './understand-message.js';

/** A reader that says `intent` at `score` whatever it reads. */
const says = (intent: IntentResult['intent'], score: number, unsure = false): IntentReader => ({
  classify: () => ({ intent, score, unsure, scores: {} as IntentResult['scores'] }),
});

describe('understandMessage', () => {
  it('gives a sure, short greeting or thanks to the small-talk handler', () => {
    expect(understandMessage(says('greeting', 0.9), 'hi there', DEFAULT_INTENT_POLICY)).toEqual({
      intent: 'greeting',
      score: 0.9,
      unsure: false,
      handler: 'small_talk',
    });
    expect(understandMessage(says('thanks', 0.9), 'thanks!', DEFAULT_INTENT_POLICY).handler).toBe(
      'small_talk',
    );
  });

  it('leaves everything else to the knowledge base', () => {
    const policy = DEFAULT_INTENT_POLICY;
    expect(understandMessage(says('question', 0.99), 'What causes tides?', policy).handler).toBe('knowledge');
    expect(understandMessage(says('vague', 0.99), "it doesn't work", policy).handler).toBe('clarify');
    expect(understandMessage(says('vague', 0.99), 'help', { ...policy, clarify: false }).handler).toBe(
      'knowledge',
    );
    expect(understandMessage(says('greeting', 0.9, true), 'hi', policy).handler).toBe('knowledge');
    expect(understandMessage(says('greeting', 0.5), 'hi', policy).handler).toBe('knowledge');
    const long = 'hello, could you tell me how the scheduler decides which job to run next please';
    expect(understandMessage(says('greeting', 0.9), long, policy).handler).toBe('knowledge');
    expect(understandMessage(says('greeting', 0.9), 'hi', { ...policy, smallTalk: false }).handler).toBe(
      'knowledge',
    );
  });

  it("replies with the bot's own words, else says what it can answer from", () => {
    expect(smallTalkReply('greeting', DEFAULT_INTENT_POLICY, true)).toMatch(/answer it from the documents/);
    expect(smallTalkReply('greeting', DEFAULT_INTENT_POLICY, false)).toMatch(/I have none yet/);
    const own = { ...DEFAULT_INTENT_POLICY, replies: { greeting: 'Ahoy!', thanks: 'Cheers!' } };
    expect(smallTalkReply('greeting', own, false)).toBe('Ahoy!');
    expect(smallTalkReply('thanks', own, true)).toBe('Cheers!');
  });

  it('offers the titles of up to three documents retrieval found, best first', () => {
    const found = [
      { title: 'Hooks' },
      { title: 'Hooks' },
      { title: 'Logging' },
      { title: 'Plugins' },
      { title: 'Routes' },
    ];
    expect(clarifyingQuestion(found)).toBe(
      'Could you tell me a little more about what you need? For example, is it about Hooks, Logging or Plugins?',
    );
    expect(clarifyingQuestion([{ title: 'Hooks' }])).toMatch(/what are you trying to do/);
    expect(clarifyingQuestion([])).toMatch(/what are you trying to do/);
  });
});
