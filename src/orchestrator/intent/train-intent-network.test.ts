import { describe, expect, it } from 'vitest';
import { IntentClassifier } from './intent-classifier.js';
import { type IntentExample, trainIntentModel } from './train-intent-model.js';
import { networkSection, trainIntentNetwork } from './train-intent-network.js';

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

describe('trainIntentNetwork', () => {
  const options = { bits: 10, hidden: 16, epochs: 40, learningRate: 0.1 };

  it('learns a small set and gives the same weights for the same data', () => {
    const net = trainIntentNetwork(data, options);
    expect(trainIntentNetwork(data, options).input).toEqual(net.input);
    // The network alone (mix 1) beside an untrained linear part.
    const linear = trainIntentModel(data, { bits: 10, epochs: 0 });
    const classifier = new IntentClassifier({ ...linear, network: networkSection(net, 1) });
    for (const item of data) expect(classifier.classify(item.text).intent, item.text).toBe(item.label);
  });

  it('averages its probabilities with the linear model by the file mix', () => {
    const linear = trainIntentModel(data, { bits: 12, epochs: 20 });
    const net = networkSection(trainIntentNetwork(data, options), 0.5);
    const alone = new IntentClassifier(linear).classify('reset my password');
    const mixed = new IntentClassifier({ ...linear, network: net }).classify('reset my password');
    const netOnly = new IntentClassifier({ ...linear, network: { ...net, mix: 1 } }).classify(
      'reset my password',
    );
    expect(mixed.intent).toBe('action');
    expect(mixed.scores.action).toBeCloseTo((alone.scores.action + netOnly.scores.action) / 2, 3);
    const sum = Object.values(mixed.scores).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 3);
  });

  it('refuses a network whose weights do not match its size', () => {
    const linear = trainIntentModel(data, { bits: 10, epochs: 1 });
    const net = networkSection(trainIntentNetwork(data, { ...options, epochs: 1 }), 0.5);
    expect(() => new IntentClassifier({ ...linear, network: { ...net, hidden: 8 } })).toThrow(
      /network weights/,
    );
  });
});
