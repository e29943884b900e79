import { describe, expect, it } from 'vitest';
import { cleanCandidates, MAX_MEMORY_CHARS } from './extract-memories.js';

describe('cleanCandidates', () => {
  it('normalises topics, trims texts and keeps the last note of a topic', () => {
    expect(
      cleanCandidates([
        { topic: 'Answer Language', kind: 'preference', text: '  Prefers   French. ' },
        { topic: 'answer-language', kind: 'preference', text: 'Prefers German.' },
        { topic: 'plan', kind: 'fact', text: 'Is on the Team plan.' },
      ]),
    ).toEqual([
      { topic: 'answer_language', kind: 'preference', text: 'Prefers German.' },
      { topic: 'plan', kind: 'fact', text: 'Is on the Team plan.' },
    ]);
  });

  it('drops notes without a usable topic or text, and bounds their length and number', () => {
    const many = Array.from({ length: 9 }, (_, i) => ({ topic: `t${i}`, kind: 'fact' as const, text: 'x' }));
    expect(cleanCandidates(many)).toHaveLength(5);
    expect(cleanCandidates([{ topic: '!!!', kind: 'fact', text: 'x' }])).toEqual([]);
    expect(cleanCandidates([{ topic: '9lives', kind: 'fact', text: 'x' }])).toEqual([]);
    expect(cleanCandidates([{ topic: 'empty', kind: 'fact', text: '   ' }])).toEqual([]);
    const [long] = cleanCandidates([{ topic: 'long', kind: 'fact', text: 'y'.repeat(2_000) }]);
    expect(long?.text).toHaveLength(MAX_MEMORY_CHARS);
  });
});
