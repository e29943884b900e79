import { describe, expect, it } from 'vitest';
import { INTENTS } from './intent-labels.js';
import { mulberry32 } from './train-intent-model.js';
import { trainIntentTeacher } from './train-intent-teacher.js';

describe('trainIntentTeacher', () => {
  it('learns dense vectors clustered by intent, the same way for the same data', () => {
    const random = mulberry32(1);
    const centre = INTENTS.map(() => Float32Array.from({ length: 16 }, () => random() * 2 - 1));
    const examples = Array.from({ length: 160 }, (_, i) => {
      const label = i % INTENTS.length;
      const vector = centre[label]!.map((v) => v + (random() - 0.5) * 0.2);
      return { vector, label, weight: 1 + (i % 3) };
    });
    const teacher = trainIntentTeacher(examples, { epochs: 20 });
    const again = trainIntentTeacher(examples, { epochs: 20 });
    for (const ex of examples) {
      const p = teacher(ex.vector);
      expect(p.indexOf(Math.max(...p))).toBe(ex.label);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(again(ex.vector)).toEqual(p);
    }
  });

  it('learns a class no linear model separates with a hidden layer', () => {
    const random = mulberry32(2);
    // Label 1 where both coordinates share a sign (XOR-like), 0 elsewhere.
    const examples = Array.from({ length: 400 }, () => {
      const vector = Float32Array.from([random() * 2 - 1, random() * 2 - 1]);
      return { vector, label: vector[0]! * vector[1]! > 0 ? 1 : 0, weight: 1 };
    });
    const teacher = trainIntentTeacher(examples, { epochs: 60, hidden: 16, dropout: 0.1 });
    const right = examples.filter((ex) => {
      const p = teacher(ex.vector);
      return p.indexOf(Math.max(...p)) === ex.label;
    }).length;
    expect(right / examples.length).toBeGreaterThan(0.9);
    expect(teacher(examples[0]!.vector)).toEqual(
      trainIntentTeacher(examples, { epochs: 60, hidden: 16, dropout: 0.1 })(examples[0]!.vector),
    );
  });
});
