import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findLeaks,
  isHeldOut,
  parseClinc,
  parseIntentJsonl,
  parseUnlabelledJsonl,
  scoreIntents,
} from '../../eval/intent/index.js';
import { defaultIntentClassifier } from './default-intent-classifier.js';
import { IntentClassifier } from './intent-classifier.js';
import { INTENTS } from './intent-labels.js';
import modelFile from './intent-model.json' with { type: 'json' };

const examples = (name: string) =>
  readFileSync(path.resolve(import.meta.dirname, '../../../examples/eval', name), 'utf8');
const clincFile = path.resolve(import.meta.dirname, '../../../../shared/data/clinc150/data_full.json');
const heldOut = parseIntentJsonl(examples('intent-examples.jsonl')).filter((item) => isHeldOut(item.text));

describe('IntentClassifier', () => {
  it('loads the bundled model once and returns a full distribution', () => {
    const classifier = defaultIntentClassifier();
    expect(defaultIntentClassifier()).toBe(classifier);
    const result = classifier.classify('hi there, how are you?');
    expect(Object.keys(result.scores)).toEqual([...INTENTS]);
    const sum = Object.values(result.scores).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 3);
    expect(result.score).toBe(Math.max(...Object.values(result.scores)));
    expect(result.unsure).toBe(result.score < classifier.threshold);
  });

  it.each([
    ['hello', 'greeting'],
    ['good morning', 'greeting'],
    ["what's your name?", 'greeting'],
    ['is this a chatbot?', 'greeting'],
    ['perfect, thank you', 'thanks'],
    ["that's all, bye", 'thanks'],
    ['awesome, thanks!', 'thanks'],
    ['get me a representative', 'human'],
    ['speak to an agent', 'human'],
    ['escalate this to a human', 'human'],
    ["I don't want to talk to a bot", 'human'],
    ['and how do I turn it off?', 'follow_up'],
    ['and what about security?', 'follow_up'],
    ['and for redis?', 'follow_up'],
    ['does that work for the widget too?', 'follow_up'],
  ])('classifies the held-out example "%s" as %s', (text, intent) => {
    expect(isHeldOut(text)).toBe(true);
    expect(defaultIntentClassifier().classify(text).intent).toBe(intent);
  });

  it('recalls most held-out greetings, thanks, requests for a human and follow-ups', () => {
    const classifier = defaultIntentClassifier();
    for (const intent of ['greeting', 'thanks', 'human', 'follow_up'] as const) {
      const items = heldOut.filter((item) => item.label === intent);
      const right = items.filter((item) => classifier.classify(item.text).intent === intent).length;
      expect(items.length).toBeGreaterThan(10);
      expect(right / items.length, intent).toBeGreaterThanOrEqual(0.75);
    }
  });

  it('keeps macro-F1 on the held-out part, out_of_scope and action included', () => {
    const classifier = defaultIntentClassifier();
    const score = scoreIntents(heldOut, (text) => classifier.classify(text), 0);
    expect(score.messages).toBe(606);
    // 0.885 with skip-grams and word positions (0.881 before; docs/orchestrator.md).
    expect(score.macroF1).toBeGreaterThanOrEqual(0.875);
    for (const row of score.perIntent.filter((r) => r.intent === 'out_of_scope' || r.intent === 'action')) {
      expect(row.f1, row.intent).toBeGreaterThanOrEqual(0.75);
    }
  });

  it('trains on nothing near a held-out message, a Fastify check question or a CLINC test message', () => {
    const extra = parseIntentJsonl(examples('intent-training-extra.jsonl'));
    expect(extra.length).toBeGreaterThan(500);
    const check = parseUnlabelledJsonl(examples('fastify-questions.jsonl'), 'question');
    const sets = [
      { name: 'own held-out', items: heldOut },
      { name: 'Fastify check', items: check },
      ...(existsSync(clincFile)
        ? [{ name: 'CLINC test', items: parseClinc(readFileSync(clincFile, 'utf8'), 'test') }]
        : []),
    ];
    // The list: npx tsx scripts/check-intent-leakage.ts
    expect(findLeaks(extra, sets).map((leak) => leak.training.text)).toEqual([]);
  });

  it('calls a result unsure below its threshold', () => {
    const strict = new IntentClassifier(modelFile, { threshold: 1 });
    expect(strict.classify('hello').unsure).toBe(true);
    const lax = new IntentClassifier(modelFile, { threshold: 0 });
    expect(lax.classify('it').unsure).toBe(false);
  });

  it.each([
    ['another featurizer', { ...modelFile, features: 'words-1' }],
    ['other labels', { ...modelFile, labels: [...INTENTS].reverse() }],
    ['a bias per label missing', { ...modelFile, bias: modelFile.bias.slice(1) }],
    ['weights of the wrong size', { ...modelFile, weights: Buffer.alloc(10).toString('base64') }],
    ['no weights', { ...modelFile, weights: undefined }],
    ['not a model at all', { hello: 'world' }],
  ])('refuses a model file with %s', (_, model) => {
    expect(() => new IntentClassifier(model)).toThrow();
  });
});
