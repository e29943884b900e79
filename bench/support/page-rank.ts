// Where a question's expected page ranks among the pages of the passages retrieved for it (each page
// once, in the order of its first passage): 1 for the first page, 0 when it is not among them; and
// those pages.
// What bench/keyword-ranking.ts, bench/rerank-ranking.ts and bench/prf.ts score question sets by.
import path from 'node:path';
import { pageNames } from '../../src/eval/index.js';

export function expectedPageRank(
  sources: readonly string[],
  expected: readonly string[],
  root: string,
): { rank: number; pages: string[] } {
  const pages: string[] = [];
  for (const source of sources) {
    const name = pageNames({ source, title: source }, root)[0]!;
    if (!pages.includes(name)) pages.push(name);
  }
  const rank =
    pages.findIndex((page) =>
      expected.some((e) => pageNames({ source: path.join(root, page), title: '' }, root).includes(e)),
    ) + 1;
  return { rank, pages };
}
