import { describe, expect, it } from 'vitest';
import { scoreAnswers } from './answer-scores.js';
import type { SetQuestion } from './answer-sets.js';
import type { AnswerRecord } from './evaluate-answers.js';

const squad = (answerable: boolean): SetQuestion => ({
  kind: 'squad',
  id: 'q',
  scope: 'squad',
  question: 'Q?',
  answers: answerable ? ['A'] : [],
  answerable,
});

const record = (question: SetQuestion, outcome: Partial<AnswerRecord>): AnswerRecord => ({
  question,
  mode: 'generated',
  model: 'openai:m',
  answer: '',
  declined: false,
  hit: false,
  f1: 0,
  faithfulness: { sentences: 0, supported: 0 },
  latencyMs: 10,
  ...outcome,
});

describe('scoreAnswers', () => {
  it('scores hits and F1 on the answerable questions, declining on the others', () => {
    const scores = scoreAnswers([
      record(squad(true), { hit: true, f1: 1, faithfulness: { sentences: 2, supported: 2 } }),
      record(squad(true), { hit: false, f1: 0.5, faithfulness: { sentences: 2, supported: 1 } }),
      record(squad(true), { declined: true, mode: 'not_found', model: undefined }),
      record(squad(false), { declined: true }),
      record(squad(false), { faithfulness: { sentences: 1, supported: 0 } }),
    ]);
    expect(scores.squad).toEqual({
      answerable: 3,
      unanswerable: 2,
      answerableHit: 1 / 3,
      answerableF1: 0.5,
      answerableDeclined: 1 / 3,
      unanswerableDeclined: 0.5,
    });
    expect(scores.faithfulness).toEqual({ sentences: 5, supported: 3, share: 0.6 });
    expect(scores.modes).toEqual({ generated: 4, not_found: 1 });
    expect(scores.models).toEqual(['openai:m']);
    expect(scores.counterfactual.queries).toBe(0);
  });

  it('scores the counterfactual verdicts over every query', () => {
    const query: SetQuestion = {
      kind: 'counterfactual',
      id: '0',
      scope: 'rgb-0',
      question: 'Q?',
      answers: ['Tampa'],
      fake: 'Glendale',
    };
    const scores = scoreAnswers([
      record(query, { counterfactual: { statesFake: true, statesTrue: false, flagsError: false } }),
      record(query, { counterfactual: { statesFake: true, statesTrue: true, flagsError: true } }),
      record(query, { counterfactual: { statesFake: false, statesTrue: false, flagsError: true } }),
      record(query, { counterfactual: { statesFake: false, statesTrue: true, flagsError: false } }),
    ]);
    expect(scores.counterfactual).toEqual({
      queries: 4,
      statesFake: 0.5,
      statesTrue: 0.5,
      flagsError: 0.5,
      corrects: 0.25,
    });
    expect(scores.squad.answerableHit).toBe(0);
  });
});
