import { describe, expect, it } from 'vitest';
import type { RetrievedChunk } from '../retrieve/types.js';
import { LocalReranker } from './local-reranker.js';

let nextId = 1;
/** A candidate in fused order `rank` (1-based), with the keyword retriever's signal. */
interface Fields {
  title?: string;
  headingPath?: string;
  text: string;
  bm25?: number;
}

function candidate(rank: number, fields: Fields): RetrievedChunk {
  const score = fields.bm25 ?? 10 / rank;
  return {
    chunkId: nextId++,
    documentId: `doc-${rank}`,
    title: fields.title ?? 'Manual',
    source: null,
    headingPath: fields.headingPath ?? '',
    text: fields.text,
    tokenCount: 0,
    score,
    signals: { bm25: { rank, score } },
  };
}

const never = new AbortController().signal;
const reranker = new LocalReranker();
/** The candidates' indexes, best first, as the rerank stage orders them (ties keep the fused order). */
async function order(query: string, candidates: RetrievedChunk[]): Promise<number[]> {
  const scores = await reranker.score(query, candidates, never);
  return candidates.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/**
 * Whether, among ten candidates as retrieval hands them over, `better` (fused 7th) ends above
 * `worse` (fused 6th, a hair ahead on the keyword score): the reranker's job is to reorder
 * candidates that retrieval found about equally good.
 */
async function overtakes(query: string, worse: Fields, better: Fields): Promise<boolean> {
  const candidates = [
    ...[9, 8.5, 8, 7.5, 7].map((bm25, i) =>
      candidate(i + 1, { title: `Other ${i}`, text: `${query.split(' ')[0]} ${filler}`, bm25 }),
    ),
    candidate(6, { ...worse, bm25: 6 }),
    candidate(7, { ...better, bm25: 5.9 }),
    ...[5, 4.5, 4].map((bm25, i) => candidate(i + 8, { title: `Else ${i}`, text: filler, bm25 })),
  ];
  const ranked = await order(query, candidates);
  return ranked.indexOf(6) < ranked.indexOf(5);
}

const filler = 'The configuration file holds settings read at start-up by every command.';

describe('LocalReranker', () => {
  it('is named local and loads its shipped weights with no arguments', () => {
    expect(reranker.name).toBe('local');
  });

  it('ranks the page whose title names the asked thing above one that only mentions it', async () => {
    const mentions = { title: 'git-log(1)', text: `Unlike git rebase, this lists commits. ${filler}` };
    const about = {
      title: 'git-rebase(1)',
      text: `git rebase reapplies commits on top of another base tip. ${filler}`,
    };
    expect(await overtakes('how does git rebase work', mentions, about)).toBe(true);
  });

  it('ranks the section whose heading names the asked thing above one that only mentions it', async () => {
    const mentions = {
      title: 'Reference',
      headingPath: 'Hooks > onSend',
      text: `Hooks run before the reply is sent, for example after a redirect. ${filler}`,
    };
    const about = {
      title: 'Reference',
      headingPath: 'Reply > redirect',
      text: `Sends a redirect to the given address with the given status code. ${filler}`,
    };
    expect(await overtakes('send a redirect', mentions, about)).toBe(true);
  });

  it('prefers the text that holds an identifier whole over one that holds its parts apart', async () => {
    const parts = {
      text: 'Work done in memory is faster; the planner picks the memory budget for each sort.',
    };
    const whole = { text: 'Set work_mem to give each sort more memory before it spills to disk.' };
    expect(await overtakes('what does work_mem do', parts, whole)).toBe(true);
  });

  it('prefers the passage holding the asked words together over one holding them apart', async () => {
    const apart = {
      text: 'Each git branch has a base. Before rebasing, pick a branch, find its tip and keep it onto the list.',
    };
    const together = {
      text: 'Use git rebase --onto newbase oldbase to move a branch onto another base tip.',
    };
    expect(await overtakes('git rebase --onto', apart, together)).toBe(true);
  });

  it('scores in [0, 1], one score per candidate in their order, the same every time', async () => {
    const candidates = [
      candidate(1, { title: 'Logging', text: 'Set redact to hide fields such as passwords from the log.' }),
      candidate(2, { title: 'Server', text: filler }),
      candidate(3, { title: 'Routes', text: 'A route maps a method and a path to a handler.' }),
    ];
    const first = await reranker.score('hide passwords from the logs', candidates, never);
    expect(first).toHaveLength(3);
    for (const score of first) {
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
    }
    expect(await reranker.score('hide passwords from the logs', candidates, never)).toEqual(first);
    expect(first[0]!).toBeGreaterThan(first[1]!);
  });

  it('keeps the fused order among candidates it cannot tell apart', async () => {
    const same = { title: 'Guide', text: filler, bm25: 5 };
    const candidates = [candidate(1, same), candidate(2, same), candidate(3, same)];
    expect(await order('where are settings read', candidates)).toEqual([0, 1, 2]);
  });

  it('scores an empty list, and a query with no search terms in the fused order', async () => {
    expect(await reranker.score('anything', [], never)).toEqual([]);
    const candidates = [candidate(1, { text: filler }), candidate(2, { text: 'Other text entirely.' })];
    expect(await order('the and of', candidates)).toEqual([0, 1]);
  });

  it('rejects when its signal has aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('late'));
    await expect(reranker.score('q', [candidate(1, { text: filler })], controller.signal)).rejects.toThrow(
      'late',
    );
  });
});
