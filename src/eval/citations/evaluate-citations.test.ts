import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TurnContext, TurnRunner } from '../../orchestrator/index.js';
import { evaluateCitations, pageNames } from './evaluate-citations.js';

const root = path.resolve('/manuals/python');
const at = (relative: string) => path.join(root, ...relative.split('/'));

/** A turn runner that cites, for each question, the sources listed for it. */
function citing(sources: Record<string, string[]>): Pick<TurnRunner, 'start'> {
  return {
    start: async (input) =>
      ({
        complete: async () => ({
          mode: 'extractive',
          citations: (sources[input.message] ?? []).map((source) => ({
            source,
            title: path.basename(source),
          })),
        }),
      }) as unknown as Awaited<ReturnType<TurnRunner['start']>>,
  };
}
const context = { caller: { tenantId: 't' } } as unknown as TurnContext;

describe('pageNames', () => {
  it('names a page by its file name and, under the docs folder, by its path relative to it', () => {
    expect(pageNames({ source: at('tutorial/index.html'), title: 'T' }, root)).toEqual([
      'tutorial/index.html',
      'index.html',
    ]);
    expect(pageNames({ source: at('index.html'), title: 'T' }, root)).toEqual(['index.html']);
    expect(pageNames({ source: '/elsewhere/a/b.md', title: 'T' }, root)).toEqual(['b.md']);
    expect(pageNames({ source: at('tutorial/index.html'), title: 'T' })).toEqual(['index.html']);
    expect(pageNames({ source: null, title: 'Pasted text' }, root)).toEqual(['Pasted text']);
  });
});

describe('evaluateCitations', () => {
  it('tells pages with the same file name in different folders apart when given a relative path', async () => {
    const turns = citing({
      q1: [at('library/index.html'), at('tutorial/index.html')],
      q2: [at('library/index.html')],
      q3: [at('faq/programming.html')],
    });
    const scores = await evaluateCitations(
      turns,
      context,
      [
        { question: 'q1', expected: ['tutorial/index.html'] },
        { question: 'q2', expected: ['tutorial/index.html'] },
        // A bare file name still matches in any folder, as before.
        { question: 'q3', expected: ['programming.html'] },
      ],
      root,
    );
    expect(scores.hitAt1).toBeCloseTo(1 / 3);
    expect(scores.hitAt3).toBeCloseTo(2 / 3);
    expect(scores.mrr).toBeCloseTo((1 / 2 + 1) / 3);
    expect(scores.misses).toEqual([
      { question: 'q2', expected: ['tutorial/index.html'], got: ['library/index.html'], mode: 'extractive' },
    ]);
  });

  it('explains a miss with where retrieval ranked the expected page, each page once', async () => {
    const turns = citing({ q: [at('library/os.html')] });
    const explain = async () =>
      [at('library/os.html'), at('library/os.html'), at('tutorial/index.html'), at('library/index.html')].map(
        (source) => ({ source, title: '' }),
      );
    const scores = await evaluateCitations(
      turns,
      context,
      [
        { question: 'q', expected: ['library/index.html'] },
        { question: 'nothing cited', expected: ['faq/index.html'] },
      ],
      root,
      explain,
    );
    expect(scores.misses.map((miss) => miss.retrieved)).toEqual([
      { pages: ['library/os.html', 'tutorial/index.html', 'library/index.html'], expectedRank: 3 },
      { pages: ['library/os.html', 'tutorial/index.html', 'library/index.html'], expectedRank: 0 },
    ]);
  });
});
