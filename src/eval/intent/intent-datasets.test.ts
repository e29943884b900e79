import { describe, expect, it } from 'vitest';
import {
  isHeldOut,
  looksLikeClinc,
  messageKey,
  parseClinc,
  parseIntentJsonl,
  parseUnlabelledJsonl,
} from './intent-datasets.js';

const clinc = JSON.stringify({
  train: [['hi there', 'greeting']],
  oos_train: [['what color is water', 'oos']],
  test: [
    ['thanks a bunch', 'thank_you'],
    ['send 20 dollars to my savings', 'transfer'],
  ],
  oos_test: [['vacuum out the car', 'oos']],
});

describe('intent datasets', () => {
  it('reads a CLINC split with its out-of-scope part, mapped onto our intents', () => {
    expect(looksLikeClinc(clinc)).toBe(true);
    expect(parseClinc(clinc, 'test')).toEqual([
      { text: 'thanks a bunch', label: 'thanks' },
      { text: 'send 20 dollars to my savings', label: 'action' },
      { text: 'vacuum out the car', label: 'out_of_scope' },
    ]);
    expect(() => parseClinc(clinc, 'val')).toThrow(/no val, oos_val split/);
    expect(() => parseClinc(JSON.stringify({ test: [['x', 'launch']], oos_test: [] }), 'test')).toThrow(
      /no mapping for CLINC intent "launch"/,
    );
  });

  it('reads JSON lines and names the line of a bad record', () => {
    const content = '{"text": "hi", "label": "greeting"}\n\n{"text": "agent please", "label": "human"}\n';
    expect(looksLikeClinc(content)).toBe(false);
    expect(parseIntentJsonl(content)).toEqual([
      { text: 'hi', label: 'greeting' },
      { text: 'agent please', label: 'human' },
    ]);
    expect(() => parseIntentJsonl('{"text": "hi", "label": "smalltalk"}')).toThrow(/line 1: needs a text/);
    expect(() => parseIntentJsonl('{"text": "hi", "label": "greeting"}\nnot json')).toThrow(
      /line 2: not JSON/,
    );
  });

  it('reads unlabelled lines by their text or question as the given intent', () => {
    const content = '{"question": "what is a hook?", "expected": ["Hooks.md"]}\n{"text": "how do I log?"}\n';
    expect(parseUnlabelledJsonl(content, 'question')).toEqual([
      { text: 'what is a hook?', label: 'question' },
      { text: 'how do I log?', label: 'question' },
    ]);
    expect(() => parseUnlabelledJsonl('{"expected": []}', 'question')).toThrow(
      /line 1: needs a text or a question/,
    );
  });

  it('holds out about a quarter of texts, the same ones every time and whatever the case', () => {
    const texts = Array.from({ length: 2000 }, (_, i) => `message number ${i}`);
    const held = texts.filter(isHeldOut).length;
    expect(held / texts.length).toBeGreaterThan(0.2);
    expect(held / texts.length).toBeLessThan(0.3);
    for (const text of texts.slice(0, 50)) expect(isHeldOut(text.toUpperCase())).toBe(isHeldOut(text));
  });

  it('keys a message by its trimmed, lower-cased text without closing punctuation', () => {
    expect(messageKey('  Agent please?! ')).toBe('agent please');
    expect(messageKey('Agent, please.')).toBe(messageKey('agent, please'));
    expect(messageKey('what is v1.2?')).toBe('what is v1.2');
    expect(messageKey('agent please')).not.toBe(messageKey('agent'));
  });
});
