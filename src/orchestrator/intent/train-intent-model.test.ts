import { describe, expect, it } from 'vitest';
import { IntentClassifier } from './intent-classifier.js';
import { INTENT_FEATURE_SET, INTENT_FEATURES_V1, INTENT_FEATURES_V2 } from './intent-features.js';
import { INTENTS } from './intent-labels.js';
import { type IntentExample, trainIntentModel } from './train-intent-model.js';

const data: IntentExample[] = [
  { text: 'hello there', label: 'greeting' },
  { text: 'hi, how are you', label: 'greeting' },
  { text: 'thanks a lot', label: 'thanks' },
  { text: 'thank you, bye', label: 'thanks' },
  { text: 'how do I configure the logger', label: 'question' },
  { text: 'where do I set the port', label: 'question' },
  { text: 'and what about the second one?', label: 'follow_up' },
  { text: 'and how do I turn it off?', label: 'follow_up' },
  { text: 'it does not work', label: 'vague' },
  { text: 'help', label: 'vague' },
  { text: 'I want to talk to a person', label: 'human' },
  { text: 'agent please', label: 'human' },
  { text: 'what is the weather in paris', label: 'out_of_scope' },
  { text: 'write me a poem', label: 'out_of_scope' },
  { text: 'reset my password', label: 'action' },
  { text: 'cancel my order', label: 'action' },
];

describe('trainIntentModel', () => {
  it('learns a small set and gives the same file for the same data', () => {
    const model = trainIntentModel(data, { bits: 12, epochs: 20 });
    expect(trainIntentModel(data, { bits: 12, epochs: 20 })).toEqual(model);
    const classifier = new IntentClassifier(model);
    for (const item of data) expect(classifier.classify(item.text).intent, item.text).toBe(item.label);
    expect(model.training).toMatchObject({ examples: 16, perIntent: { greeting: 2, action: 2 } });
    expect(Buffer.from(model.weights, 'base64')).toHaveLength((1 << 12) * 8);
  });

  it('averages several fits, each with its own shuffle', () => {
    const one = trainIntentModel(data, { bits: 12, epochs: 20, fits: 1 });
    const three = trainIntentModel(data, { bits: 12, epochs: 20, fits: 3 });
    expect(three.weights).not.toBe(one.weights);
    expect(three.training).toMatchObject({ fits: 3 });
    const classifier = new IntentClassifier(three);
    for (const item of data) expect(classifier.classify(item.text).intent, item.text).toBe(item.label);
  });

  it('records the featurizer it trained on, and the classifier reads messages with it', () => {
    expect(trainIntentModel(data, { bits: 12, epochs: 5, fits: 1 }).features).toBe(INTENT_FEATURE_SET);
    const v1 = trainIntentModel(data, { bits: 12, epochs: 20, features: INTENT_FEATURES_V1 });
    expect(v1.features).toBe(INTENT_FEATURES_V1);
    const classifier = new IntentClassifier(v1);
    for (const item of data) expect(classifier.classify(item.text).intent, item.text).toBe(item.label);
    // The same weights read with the second featurizer (skip-grams, positions) score otherwise.
    const text = 'how do I configure the logger for the second one please';
    const relabelled = new IntentClassifier({ ...v1, features: INTENT_FEATURES_V2 });
    expect(relabelled.classify(text).scores).not.toEqual(classifier.classify(text).scores);
  });

  it('learns from target probabilities: one-hot targets train as the labels do', () => {
    const oneHot = data.map((item) => ({
      ...item,
      target: INTENTS.map((intent) => (intent === item.label ? 1 : 0)),
    }));
    const options = { bits: 12, epochs: 10, fits: 1 };
    expect(trainIntentModel(oneHot, options).weights).toBe(trainIntentModel(data, options).weights);
    // Soft targets that lean every greeting towards thanks move the greetings' scores there.
    const soft = data.map((item) =>
      item.label === 'greeting'
        ? {
            ...item,
            target: INTENTS.map((intent) => (intent === 'greeting' ? 0.6 : intent === 'thanks' ? 0.4 : 0)),
          }
        : item,
    );
    const hard = new IntentClassifier(trainIntentModel(data, options)).classify('hello there');
    const leaned = new IntentClassifier(trainIntentModel(soft, options)).classify('hello there');
    expect(leaned.intent).toBe('greeting');
    expect(leaned.scores.thanks).toBeGreaterThan(hard.scores.thanks);
  });
});
