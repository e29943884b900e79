import { describe, expect, it } from 'vitest';
import { NOTHING_FOUND } from '../../orchestrator/index.js';
import { declined, isRefusal } from './refusal.js';

describe('declined', () => {
  it("takes Parley's own no-answer outcomes at their word", () => {
    expect(declined('not_found', NOTHING_FOUND)).toBe(true);
    expect(declined('refused', 'I cannot help with that.')).toBe(true);
    expect(declined('clarify', 'Which of these do you mean?')).toBe(true);
  });

  it("reads a model's answer that opens by declining", () => {
    expect(declined('generated', "I don't know.")).toBe(true);
    expect(declined('generated', 'The passages do not mention who ruled Normandy.')).toBe(true);
    expect(declined('generated', 'This is not stated in the documents.')).toBe(true);
  });

  it('does not count an answer that only mentions not knowing later on', () => {
    expect(declined('generated', 'Rollo led them [1]. Little else is known.')).toBe(false);
    expect(declined('extractive', 'France [1].')).toBe(false);
  });
});

describe('isRefusal', () => {
  it('recognises the usual ways of saying the answer is not there', () => {
    for (const sentence of [
      'I do not know.',
      'I could not find that in the documents.',
      'The provided context does not contain this information.',
      'There is no information about his birth in the passages.',
      'I am unable to answer from these passages.',
    ]) {
      expect(isRefusal(sentence), sentence).toBe(true);
    }
  });

  it('leaves statements alone', () => {
    expect(isRefusal('The Normans did not stay in Sicily.')).toBe(false);
    expect(isRefusal('Knowledge of Latin spread.')).toBe(false);
  });
});
