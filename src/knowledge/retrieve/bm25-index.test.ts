import { describe, expect, it } from 'vitest';
import { Bm25Index } from './bm25-index.js';
import { keywordTerms, searchableText } from './keyword-analyzer.js';

const PARAMS = { k1: 1.2, b: 0.75 };

/** BM25 written out term by term, the way the textbooks give it. */
function referenceScores(docs: Map<number, string[]>, query: string[]): Map<number, number> {
  const n = docs.size;
  const average = [...docs.values()].reduce((sum, terms) => sum + terms.length, 0) / n;
  const scores = new Map<number, number>();
  for (const term of new Set(query)) {
    const df = [...docs.values()].filter((terms) => terms.includes(term)).length;
    if (df === 0) continue;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    for (const [id, terms] of docs) {
      const tf = terms.filter((t) => t === term).length;
      if (tf === 0) continue;
      const norm = 1 - PARAMS.b + (PARAMS.b * terms.length) / average;
      scores.set(id, (scores.get(id) ?? 0) + (idf * tf * (PARAMS.k1 + 1)) / (tf + PARAMS.k1 * norm));
    }
  }
  return scores;
}

/** A deterministic corpus: document i holds words chosen by i, so term frequencies and lengths vary. */
function corpus(count: number): Map<number, string[]> {
  const words = [
    'route',
    'hook',
    'plugin',
    'schema',
    'reply',
    'request',
    'server',
    'logger',
    'error',
    'test',
  ];
  const docs = new Map<number, string[]>();
  for (let id = 1; id <= count; id++) {
    const terms: string[] = [];
    for (let j = 0; j < 3 + (id % 7); j++) terms.push(words[(id * (j + 3) + j * j) % words.length]!);
    docs.set(id, terms);
  }
  return docs;
}

function expectSameRanking(index: Bm25Index, docs: Map<number, string[]>, query: string[], k = 5) {
  const expected = [...referenceScores(docs, query)].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
  const found = index.search(query, k);
  expect(found.map((doc) => doc.id)).toEqual(expected.map(([id]) => id));
  for (const [i, doc] of found.entries()) expect(doc.score).toBeCloseTo(expected[i]![1], 10);
}

describe('Bm25Index', () => {
  it('scores and ranks as BM25 does, best first, ties by the lower id', () => {
    const docs = corpus(60);
    const index = new Bm25Index(PARAMS);
    for (const [id, terms] of docs) index.add(id, terms);
    expectSameRanking(index, docs, ['route', 'schema']);
    expectSameRanking(index, docs, ['logger', 'logger', 'error', 'unknown'], 12);
    expect(index.search(['unknown'], 5)).toEqual([]);
    expect(index.search(['route'], 0)).toEqual([]);
  });

  it('forgets removed documents at once, term statistics included, and compacts without changing a score', () => {
    const docs = corpus(3_000);
    const index = new Bm25Index(PARAMS);
    for (const [id, terms] of docs) index.add(id, terms);
    // Enough removals to compact the postings (more than a quarter of them dead).
    for (let id = 1; id <= 3_000; id += 2) {
      index.remove(id);
      docs.delete(id);
    }
    expect(index.size).toBe(1_500);
    expect(index.has(1)).toBe(false);
    expectSameRanking(index, docs, ['hook', 'reply', 'test'], 20);
    // Replacing a document's terms is a removal and an addition.
    index.add(2, ['plugin', 'plugin', 'plugin']);
    docs.set(2, ['plugin', 'plugin', 'plugin']);
    expectSameRanking(index, docs, ['plugin'], 10);
  });

  it('keeps only the documents the filter accepts', () => {
    const index = new Bm25Index(PARAMS);
    index.add(1, keywordTerms('Hooks run before the handler'));
    index.add(2, keywordTerms('Hooks and more hooks'));
    expect(index.search(keywordTerms('hooks'), 5).map((doc) => doc.id)).toEqual([2, 1]);
    expect(index.search(keywordTerms('hooks'), 5, (id) => id === 1).map((doc) => doc.id)).toEqual([1]);
  });
});

describe('keywordTerms', () => {
  it("reads text as PostgreSQL's english configuration does: names and paths whole, stop words out, Snowball stems", () => {
    expect(
      keywordTerms('How do I register the Plugins? fastify.register() v4.2 http/1, docker-compose'),
    ).toEqual([
      'regist',
      'plugin',
      'fastify.register',
      'v4.2',
      'http/1',
      'docker-compos',
      'docker',
      'compos',
    ]);
    expect(keywordTerms('Running runners RAN http2 at the end.')).toEqual([
      'run',
      'runner',
      'ran',
      'http2',
      'end',
    ]);
    expect(keywordTerms(`a ${'x'.repeat(60)} b`)).toEqual(['b']);
  });

  it('spells out contractions instead of indexing their stubs ("isn\'t" is not the term isn)', () => {
    expect(keywordTerms("Why isn't my hook called? It can't, won't, don’t")).toEqual(['hook', 'call']);
    expect(keywordTerms("the user's plugins, you're, we'll")).toEqual(['user', 'plugin']);
    expect(searchableText("Isn't it? I can't.")).toBe('Is not it? I can not.');
  });

  it('keeps snake_case identifiers whole as well as by their parts, as hyphenated words', () => {
    expect(keywordTerms('set work_mem')).toEqual(['set', 'work-mem', 'work', 'mem']);
    expect(keywordTerms('FST_ERR_NOT_FOUND')).toContain('fst-err-not-found');
    // The query and the chunk meet on the whole name, and each spelling finds the other.
    expect(keywordTerms('work-mem')).toEqual(keywordTerms('work_mem'));
    // Dotted names and paths are whole already; a leading or trailing underscore is no join.
    expect(searchableText('reply.raw_body __proto__ x_1 a_b/c')).toBe('reply.raw_body __proto__ x_1 a_b/c');
    expect(searchableText(searchableText("isn't work_mem"))).toBe(searchableText("isn't work_mem"));
  });

  it('weighs each query term by its weight: half a term scores half its contribution', () => {
    const docs = corpus(40);
    const index = new Bm25Index(PARAMS);
    for (const [id, terms] of docs) index.add(id, terms);
    const plain = new Map(index.search(['route', 'hook'], 40).map((doc) => [doc.id, doc.score]));
    const weighted = index.searchWeighted(
      new Map([
        ['route', 1],
        ['hook', 0.5],
        ['nothing', 2],
      ]),
      40,
    );
    const route = referenceScores(docs, ['route']);
    const hook = referenceScores(docs, ['hook']);
    for (const { id, score } of weighted) {
      expect(score).toBeCloseTo((route.get(id) ?? 0) + 0.5 * (hook.get(id) ?? 0), 9);
      expect(plain.get(id)).toBeCloseTo((route.get(id) ?? 0) + (hook.get(id) ?? 0), 9);
    }
    expect(index.documentFrequency('route')).toBe(
      [...docs.values()].filter((t) => t.includes('route')).length,
    );
    expect(index.documentFrequency('nothing')).toBe(0);
  });
});
