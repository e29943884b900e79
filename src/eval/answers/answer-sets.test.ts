import { describe, expect, it } from 'vitest';
import { parseCounterfactualSet, parseSquadSet } from './answer-sets.js';

const squadLine = (id: string, context: string, answers: string[]) =>
  JSON.stringify({
    id,
    title: 'Normans_History',
    question: `Question ${id}?`,
    context,
    answers,
    is_impossible: answers.length === 0,
  });

describe('parseSquadSet', () => {
  it('makes each distinct paragraph one document, titled by its article, and limits the questions', () => {
    const text = [
      squadLine('a', 'First paragraph.', ['First']),
      squadLine('b', 'First paragraph.', []),
      squadLine('c', 'Second paragraph.', ['Second']),
    ].join('\n');
    const set = parseSquadSet(text, 'squad.jsonl');
    expect(set.documents.map((d) => [d.key, d.title, d.text])).toEqual([
      ['p1', 'Normans History', 'First paragraph.'],
      ['p2', 'Normans History', 'Second paragraph.'],
    ]);
    expect(set.questions.map((q) => q.kind === 'squad' && q.answerable)).toEqual([true, false, true]);
    expect(parseSquadSet(text, 'squad.jsonl', 2).documents).toHaveLength(1);
  });

  it('names the file and line of a bad record', () => {
    expect(() => parseSquadSet(`${squadLine('a', 'P.', ['P'])}\n{"id": 2}`, 'squad.jsonl')).toThrow(
      /squad\.jsonl:2: expected/,
    );
  });
});

describe('parseCounterfactualSet', () => {
  it("puts each query's false passages in a scope of its own, with every form of the true answer", () => {
    const text = [
      {
        id: 0,
        query: 'Q0',
        answer: 'Tampa',
        fakeanswer: 'Glendale',
        positive_wrong: ['a', 'b'],
        positive: [],
      },
      {
        id: 1,
        query: 'Q1',
        answer: [['July 21 2017', 'Jul 21, 2017']],
        fakeanswer: 'July 1',
        positive_wrong: ['c'],
      },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n');
    const set = parseCounterfactualSet(text, 'rgb.json');
    expect(set.documents.map((d) => [d.scope, d.text])).toEqual([
      ['rgb-0', 'a'],
      ['rgb-0', 'b'],
      ['rgb-1', 'c'],
    ]);
    expect(set.questions[1]).toMatchObject({
      scope: 'rgb-1',
      answers: ['July 21 2017', 'Jul 21, 2017'],
      fake: 'July 1',
    });
  });
});
