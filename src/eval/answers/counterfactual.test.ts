import { describe, expect, it } from 'vitest';
import { counterfactualVerdict } from './counterfactual.js';

const TRUTH = { answers: ['Tampa, Florida'], fake: 'Glendale, Arizona' };

describe('counterfactualVerdict', () => {
  it('sees an answer that repeats the passages’ false answer', () => {
    expect(counterfactualVerdict('generated', 'It was played in Glendale, Arizona [1].', TRUTH)).toEqual({
      statesFake: true,
      statesTrue: false,
      flagsError: false,
    });
  });

  it('sees the error flagged and corrected', () => {
    const answer =
      'The passages say Glendale, Arizona [1], but that is incorrect: it was played in Tampa, Florida.';
    expect(counterfactualVerdict('generated', answer, TRUTH)).toEqual({
      statesFake: true,
      statesTrue: true,
      flagsError: true,
    });
  });

  it('counts declining, and the passages contradicting each other, as detecting the error', () => {
    expect(counterfactualVerdict('not_found', 'I could not find anything.', TRUTH).flagsError).toBe(true);
    expect(
      counterfactualVerdict('generated', 'The passages are contradictory about the venue.', TRUTH).flagsError,
    ).toBe(true);
  });

  it('accepts any form of a true answer given as a list', () => {
    const dates = { answers: ['July 21 2017', 'Jul. 21, 2017'], fake: 'July 1, 2007' };
    expect(counterfactualVerdict('generated', 'It launched on Jul 21, 2017.', dates).statesTrue).toBe(true);
  });
});
