import { describe, expect, it } from 'vitest';
import {
  closeScores,
  retrievalSplit,
  type SplitPassage,
  splitClarification,
  splitQuestion,
  underspecified,
} from './clarify-split.js';
import { DEFAULT_INTENT_POLICY, type Understanding } from './understand-message.js';

/** A passage found by BM25 alone, or by each retriever named in `signals`. */
const passage = (
  documentId: string,
  title: string,
  score: number,
  headingPath = title,
  signals: Record<string, number> = { bm25: score },
): SplitPassage => ({
  documentId,
  title,
  headingPath,
  score,
  signals: Object.fromEntries(
    Object.entries(signals).map(([name, value], index) => [name, { rank: index + 1, score: value }]),
  ),
});

const CLI = passage('d1', 'Installing the CLI', 4.1);
const SERVER = passage('d2', 'Installing the server', 3.9);
const BILLING = passage('d3', 'Billing', 1.2);

describe('underspecified', () => {
  it('is one search term, or two with a pronoun for the object', () => {
    expect(underspecified('how do I install it?')).toBe(true);
    expect(underspecified('exports')).toBe(true);
    expect(underspecified('how do I configure it for production?')).toBe(true);
    expect(underspecified('connect to postgres')).toBe(false);
    expect(underspecified('how do I install the command line tool on windows?')).toBe(false);
    expect(underspecified('it')).toBe(false); // no term at all: the vague-request handler's case
  });

  it('is never a message naming something exactly', () => {
    expect(underspecified('FST_ERR_HOOK_INVALID_ASYNC_HANDLER')).toBe(false);
    expect(underspecified('onRequest')).toBe(false);
    expect(underspecified('reply.send')).toBe(false);
    expect(underspecified('v5')).toBe(false);
  });
});

describe('closeScores', () => {
  it('compares each retriever that found the best passage, within the margin', () => {
    expect(closeScores(CLI, SERVER, 0.1)).toBe(true);
    expect(closeScores(CLI, SERVER, 0.01)).toBe(false);
    expect(closeScores(CLI, BILLING, 0.1)).toBe(false);
    const hybrid = passage('a', 'A', 0.033, 'A', { bm25: 4, vector: 0.8 });
    expect(closeScores(hybrid, passage('b', 'B', 0.032, 'B', { bm25: 3.8, vector: 0.78 }), 0.1)).toBe(true);
    // Far behind with one retriever, or not found by it: not close.
    expect(closeScores(hybrid, passage('b', 'B', 0.032, 'B', { bm25: 3.9, vector: 0.4 }), 0.1)).toBe(false);
    expect(closeScores(hybrid, passage('b', 'B', 0.032, 'B', { bm25: 3.9 }), 0.1)).toBe(false);
  });
});

describe('retrievalSplit', () => {
  it('offers the titles of distinct documents with close scores for an underspecified request', () => {
    expect(retrievalSplit('how do I install it?', [CLI, SERVER, BILLING], 0.1)).toEqual([
      'Installing the CLI',
      'Installing the server',
    ]);
  });

  it('does not split a specific question, a clear winner, one topic, or with the margin at 0', () => {
    const both = [CLI, SERVER, BILLING];
    expect(retrievalSplit('how do I install the tools on a new laptop?', both, 0.1)).toBeUndefined();
    expect(retrievalSplit('how do I install it?', [CLI, BILLING], 0.1)).toBeUndefined();
    expect(retrievalSplit('how do I install it?', [CLI, { ...CLI, score: 4 }], 0.1)).toBeUndefined();
    expect(retrievalSplit('how do I install it?', both, 0)).toBeUndefined();
    expect(retrievalSplit('how do I install it?', [], 0.1)).toBeUndefined();
  });

  it('takes the topic a message names', () => {
    expect(retrievalSplit('install the cli', [CLI, SERVER], 0.1)).toBeUndefined();
    expect(retrievalSplit('install it on the server', [CLI, SERVER], 0.1)).toBeUndefined();
  });

  it('offers sections when the passages come from one document, at most three topics', () => {
    const guide = (heading: string, score: number) =>
      passage('guide', 'Guide', score, `Guide > Setup > ${heading}`);
    expect(
      retrievalSplit(
        'setup',
        [guide('Linux', 2), guide('Linux', 2), guide('macOS', 1.95), guide('Windows', 1.9)],
        0.1,
      ),
    ).toEqual(['Linux', 'macOS', 'Windows']);
    const four = ['A', 'B', 'C', 'D'].map((id) => passage(id, `Topic ${id}`, 2));
    expect(retrievalSplit('setup', four, 0.1)).toHaveLength(3);
  });
});

describe('splitClarification', () => {
  const knowledge: Understanding = { intent: 'question', score: 0.9, unsure: false, handler: 'knowledge' };

  it('turns a knowledge question retrieval split into a clarifying question', () => {
    expect(
      splitClarification(knowledge, DEFAULT_INTENT_POLICY, 'how do I install it?', [CLI, SERVER]),
    ).toEqual({
      ...knowledge,
      handler: 'clarify',
      topics: ['Installing the CLI', 'Installing the server'],
    });
    expect(splitClarification(undefined, DEFAULT_INTENT_POLICY, 'install it', [CLI, SERVER])?.handler).toBe(
      'clarify',
    );
  });

  it('leaves other handlers, and bots that do not clarify, alone', () => {
    const off = { ...DEFAULT_INTENT_POLICY, clarify: false };
    expect(splitClarification(knowledge, off, 'how do I install it?', [CLI, SERVER])).toBeUndefined();
    const curated = { ...knowledge, handler: 'curated' as const };
    expect(splitClarification(curated, DEFAULT_INTENT_POLICY, 'install it', [CLI, SERVER])).toBeUndefined();
  });

  it('asks which topic is meant', () => {
    expect(splitQuestion(['A', 'B', 'C'])).toBe(
      'Your question could be about A, B or C. Which one do you mean?',
    );
  });
});
