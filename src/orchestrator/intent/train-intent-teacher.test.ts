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
});
