import { describe, expect, it } from 'vitest';
import { IntentClassifier } from './intent-classifier.js';
import { INTENTS } from './intent-labels.js';
import { StaticTeacher, staticWords } from './intent-static-teacher.js';
import { type IntentExample, mulberry32, trainIntentModel } from './train-intent-model.js';
import { trainStaticTeacher } from './train-static-teacher.js';

const data: IntentExample[] = [
  { text: 'hello there', label: 'greeting' },
  { text: 'good morning, bot', label: 'greeting' },
  { text: 'thanks a lot', label: 'thanks' },
  { text: 'great, thank you!', label: 'thanks' },
  { text: 'how do I rotate the api key?', label: 'question' },
  { text: 'where is the webhook secret set?', label: 'question' },
  { text: 'and what about the second one?', label: 'follow_up' },
  { text: 'and for the staging server?', label: 'follow_up' },
  { text: "it doesn't work", label: 'vague' },
  { text: 'problem', label: 'vague' },
  { text: 'let me speak to someone real', label: 'human' },
  { text: 'agent please', label: 'human' },
  { text: 'who won the match last night', label: 'out_of_scope' },
  { text: 'tell me a joke', label: 'out_of_scope' },
  { text: 'reset my password', label: 'action' },
  { text: 'cancel my order', label: 'action' },
];

/** Stand-ins for the encoder's word vectors: random, 12-d, one per training word. */
function wordVectors(): Map<string, Float32Array> {
  const random = mulberry32(7);
  const words = new Set(data.flatMap((item) => staticWords(item.text)));
  return new Map([...words].map((w) => [w, Float32Array.from({ length: 12 }, () => random() * 2 - 1)]));
}

const options = { sifA: 1e-3, balance: 0.3, mix: 0.3, teacher: { epochs: 40, learningRate: 0.05 } };

describe('staticWords', () => {
  it('lower-cases, keeps contractions whole and keeps question and exclamation marks', () => {
    expect(staticWords("Don't know?! Hi, THERE")).toEqual(["don't", 'know', '?', '!', 'hi', 'there']);
    expect(staticWords('  ')).toEqual([]);
  });
});

describe('the static teacher', () => {
  const { section, predict } = trainStaticTeacher(data, wordVectors(), options);
  const teacher = new StaticTeacher(section);

  it('ships a quantised table of the training words and learns them', () => {
    expect(section.words.split('\n')).toContain('password');
    expect(Buffer.from(section.table, 'base64').length).toBe(section.words.split('\n').length * 12);
    const right = data.filter((item) => {
      const p = teacher.scores(item.text);
      return INTENTS[p.indexOf(Math.max(...p))] === item.label;
    }).length;
    expect(right).toBeGreaterThanOrEqual(14);
  });

  it('skips unknown words, and a message without a known word gets the bias alone', () => {
    expect(Array.from(teacher.vector('reset my password zyxwv'))).toEqual(
      Array.from(teacher.vector('reset my password')),
    );
    expect(teacher.vector('zyxwv qwerty').every((x) => x === 0)).toBe(true);
    const bias = section.bias.map((b) => Math.exp(b));
    const sum = bias.reduce((a, b) => a + b, 0);
    Array.from(teacher.scores('zyxwv qwerty')).forEach((p, c) => {
      expect(p).toBeCloseTo(bias[c]! / sum, 6);
    });
  });

  it("is averaged into the classifier's probabilities as the trainer predicted", () => {
    const model = trainIntentModel(data, { bits: 12, epochs: 20 });
    const linear = new IntentClassifier(model);
    const averaged = new IntentClassifier({ ...model, teacher: section });
    for (const text of ['hello there', 'cancel my subscription please', 'and the api key?', 'zyxwv']) {
      const p = predict(text);
      const fast = linear.classify(text).scores;
      const scores = averaged.classify(text).scores;
      INTENTS.forEach((intent, c) => {
        expect(scores[intent]).toBeCloseTo(0.7 * fast[intent] + 0.3 * p[c]!, 3);
      });
    }
  });

  it('keeps extra words beyond the training ones, so that unseen words have vectors too', () => {
    const vectors = wordVectors();
    vectors.set(
      'invoice',
      Float32Array.from({ length: 12 }, (_, d) => (d % 2 ? 0.5 : -0.5)),
    );
    const wider = new StaticTeacher(
      trainStaticTeacher(data, vectors, { ...options, extraWords: ['invoice'] }).section,
    );
    expect(wider.vector('invoice').some((x) => x !== 0)).toBe(true);
    expect(teacher.vector('invoice').every((x) => x === 0)).toBe(true);
  });

  it('refuses a teacher whose table does not match its words', () => {
    const model = trainIntentModel(data, { bits: 12, epochs: 5 });
    const broken = { ...section, words: `${section.words}\nextra` };
    expect(() => new IntentClassifier({ ...model, teacher: broken })).toThrow(/teacher/);
  });
});
