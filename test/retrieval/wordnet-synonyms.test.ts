// The WordNet synonym variant of the ranking bench (bench/support/wordnet-synonyms.ts and
// keyword-variants.ts), over a tiny database in WordNet's own file format: synonyms from the
// word's first senses, hypernyms only when asked and at half weight, plurals found through
// WordNet's suffix rules, and only the words the tenant's chunks use added to the query.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAIN_RANKING, rankVariant } from '../../bench/support/keyword-variants.js';
import { WordNetSynonyms } from '../../bench/support/wordnet-synonyms.js';
import { Bm25Index } from '../../src/knowledge/retrieve/bm25-index.js';
import { keywordTerms } from '../../src/knowledge/retrieve/keyword-analyzer.js';

// Synset 100: folder, pamphlet, point_in_time (multi-word, left out); its hypernym 300: booklet.
// Synset 200: folder (a second sense), binder. Lines starting with two spaces are the licence.
const INDEX_NOUN = [
  '  1 This software and database is being provided to you',
  'folder n 2 1 @ 2 0 00000100 00000200  ',
  'pamphlet n 1 1 @ 1 0 00000100  ',
  'binder n 1 0 1 0 00000200  ',
  'booklet n 1 0 1 0 00000300  ',
].join('\n');
const DATA_NOUN = [
  '  1 This software and database is being provided to you',
  '00000100 06 n 03 folder 0 pamphlet 0 point_in_time 0 001 @ 00000300 n 0000 | a small book',
  '00000200 06 n 02 folder 1 binder 0 000 | a cover for papers',
  '00000300 06 n 01 booklet 0 000 | a little book',
].join('\n');

let dict: string;
let wordnet: WordNetSynonyms;

beforeAll(async () => {
  dict = await mkdtemp(path.join(tmpdir(), 'parley-wordnet-'));
  await writeFile(path.join(dict, 'index.noun'), INDEX_NOUN);
  await writeFile(path.join(dict, 'data.noun'), DATA_NOUN);
  for (const part of ['verb', 'adj', 'adv']) {
    await writeFile(path.join(dict, `index.${part}`), '');
    await writeFile(path.join(dict, `data.${part}`), '');
  }
  wordnet = WordNetSynonyms.fromDirectory(dict);
});

afterAll(async () => {
  await rm(dict, { recursive: true, force: true });
});

describe('WordNet synonyms', () => {
  it('gives the words of the first senses, hypernyms only when asked, at half weight', () => {
    expect(wordnet.of('folder', 1, false)).toEqual([['pamphlet', 1]]);
    expect(wordnet.of('folder', 2, false)).toEqual([
      ['pamphlet', 1],
      ['binder', 1],
    ]);
    expect(wordnet.of('folder', 2, true)).toEqual([
      ['pamphlet', 1],
      ['binder', 1],
      ['booklet', 0.5],
    ]);
  });

  it('finds a plural through its base form and knows nothing of unknown words', () => {
    expect(wordnet.of('folders', 1, false)).toEqual([['pamphlet', 1]]);
    expect(wordnet.of('upsert', 3, true)).toEqual([]);
  });

  it('adds to the query only the synonyms the corpus uses, below its own words', () => {
    const index = new Bm25Index({ k1: 1.2, b: 0.75 });
    const texts = [
      'Each pamphlet lists the commands.',
      'A pamphlet for every release.',
      'Releases are tagged weekly.',
      'Commands print their help.',
      'The folder icon.',
    ];
    const termsOf = texts.map((text) => keywordTerms(text));
    termsOf.forEach((terms, id) => {
      index.add(id, terms);
    });
    const corpus = {
      index,
      termsOf: (id: number) => termsOf[id]!,
      pageOf: (id: number) => String(id),
      chunksWith: () => [],
      wordnet,
    };
    const question = 'which folder lists the commands';
    const plain = rankVariant(corpus, question, 4, PLAIN_RANKING);
    const expanded = rankVariant(corpus, question, 4, {
      ...PLAIN_RANKING,
      synonyms: { weight: 0.3, senses: 2, perWord: 3, hypernyms: true, maxChunks: 0 },
    });
    // "pamphlet" (in two chunks) brings in the chunk about the release's pamphlet; "binder" and
    // "booklet" are in none and add nothing.
    expect(plain.map((doc) => doc.id)).not.toContain(1);
    expect(expanded.map((doc) => doc.id)).toContain(1);
    expect(expanded[0]!.id).toBe(0);
    // Only the words in at most `maxChunks` chunks are expanded: "folder" is in one.
    const rareOnly = (maxChunks: number) =>
      rankVariant(corpus, question, 4, {
        ...PLAIN_RANKING,
        synonyms: { weight: 0.3, senses: 2, perWord: 3, hypernyms: true, maxChunks },
      }).map((doc) => doc.id);
    expect(rareOnly(1)).toContain(1);
    expect(rareOnly(0.5)).not.toContain(1);
  });
});
