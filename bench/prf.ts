// Benchmark (not a test): query expansion on the in-memory keyword index, without ingesting again:
// pseudo-relevance feedback (RM3, Rocchio on BM25 term weights) and a supervised translation model
// (IBM Model 1 learnt from SciFact's train judgements), support/query-expansion.ts and
// support/translation-model.ts. Reads the chunks of a database kept by `parley eval retrieval
// --keep` or `parley eval citations --keep` (its data directory) and indexes their `search_text`
// as the server's in-memory index does (default k1 and b), then for each variant prints, for a
// BEIR dataset, nDCG@10 and Recall@100 over documents (each ranked by its best chunk among the top
// 100) and how many queries it raised and lowered against the first variant; for a question set,
// where the expected page ranks among the pages of the top-k passages (hit@1, hit@3, MRR; with
// CHANGES=1, the questions that enter or leave the first three against the first variant).
//
//   node bin/parley.js eval retrieval --keep --dataset ../shared/data/scifact          # once
//   npx tsx bench/prf.ts --data /tmp/parley-eval-XXXX --dataset ../shared/data/scifact --split train \
//     [--fold all|fit|held] --variants 'plain;rm3=10:10:0.5' [--grid rm3,rocchio]
//   npx tsx bench/prf.ts --data /tmp/parley-eval-XXXX --dataset ../shared/data/scifact \
//     --train-translation /tmp/tm-fit.json [--fold fit|all]                        # writes the model
//   npx tsx bench/prf.ts --data ... --translation /tmp/tm-fit.json --variants 'plain;tm=10:0.2:2'
//   node bin/parley.js eval citations --keep --questions Q --docs D                    # once
//   npx tsx bench/prf.ts --data /tmp/parley-eval-YYYY --questions Q --docs D --variants ... [--top-k 8]
//
// A variant: `plain`; `rm3=D:T:L` or `rocchio=D:T:L` (the best D chunks of a first pass give T
// terms, weighted L against the query's 1 - L); `tm=T:L:M` (T words from --translation, weight L,
// only query words learnt from at least M pairs). --grid adds D in {3,5,10} x T in {5,10,20} x L in
// {0.2,0.3,0.5} for each method named. --fold: SciFact's train queries in file order, `held` every
// fifth (the first, the sixth, ...), `fit` the others; what the translation model is learnt from
// with --train-translation, and what a sweep reads (choose on `fit`/`held`, read `test` once).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ndcgAt, parseCitationQuestions, readBeirDataset, recallAt } from '../src/eval/index.js';
import type { Judgements } from '../src/eval/retrieval/ranking-metrics.js';
import { Bm25Index, type ScoredDoc } from '../src/knowledge/retrieve/bm25-index.js';
import { keywordTerms } from '../src/knowledge/retrieve/keyword-analyzer.js';
import { readKeptChunks } from './support/kept-chunks.js';
import { expectedPageRank } from './support/page-rank.js';
import {
  FeedbackCorpus,
  type FeedbackMethod,
  feedbackModel,
  interpolate,
} from './support/query-expansion.js';
import { TranslationModel } from './support/translation-model.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    dataset: { type: 'string' },
    split: { type: 'string', default: 'train' },
    fold: { type: 'string', default: 'all' },
    questions: { type: 'string' },
    docs: { type: 'string' },
    variants: { type: 'string', default: 'plain' },
    grid: { type: 'string', default: '' },
    translation: { type: 'string' },
    'train-translation': { type: 'string' },
    'top-k': { type: 'string', default: '8' },
    seen: { type: 'string' },
  },
});
if (!args.data || !(args.dataset || (args.questions && args.docs)))
  throw new Error('--data and either --dataset or --questions with --docs are required');

type Variant =
  | { label: string; kind: 'plain' }
  | { label: string; kind: FeedbackMethod; docs: number; terms: number; lambda: number }
  | { label: string; kind: 'tm'; terms: number; lambda: number; minPairs: number };

function parseVariant(spec: string): Variant {
  const [key, value = ''] = spec.split('=');
  const n = value.split(':').map(Number);
  if (key === 'plain') return { label: spec, kind: 'plain' };
  if (key === 'rm3' || key === 'rocchio')
    return { label: spec, kind: key, docs: n[0]!, terms: n[1]!, lambda: n[2]! };
  if (key === 'tm') return { label: spec, kind: 'tm', terms: n[0]!, lambda: n[1]!, minPairs: n[2] ?? 1 };
  throw new Error(`unknown variant ${spec}`);
}
const specs = args.variants.split(';').filter(Boolean);
for (const method of args.grid.split(',').filter(Boolean))
  for (const docs of [3, 5, 10])
    for (const terms of [5, 10, 20])
      for (const lambda of [0.2, 0.3, 0.5]) specs.push(`${method}=${docs}:${terms}:${lambda}`);
const variants = specs.map(parseVariant);

const { config, rows } = await readKeptChunks(args.data);
const corpus = new FeedbackCorpus(new Bm25Index(config.retrieval.bm25), config.retrieval.bm25);
const sourceOf = new Map(rows.map((row) => [row.id, row.source ?? row.title]));
const termsOf = new Map<number, string[]>();
for (const row of rows) {
  const terms = keywordTerms(row.search_text);
  termsOf.set(row.id, terms);
  corpus.add(row.id, terms);
}

/** SciFact's train queries of a fold (file order; `held`: every fifth, from the first). */
const inFold = <T>(list: T[], fold: string): T[] =>
  fold === 'all' ? list : list.filter((_, i) => (i % 5 === 0) === (fold === 'held'));

if (args['train-translation']) {
  if (!args.dataset) throw new Error('--train-translation needs --dataset');
  const dataset = await readBeirDataset(args.dataset, 'train');
  const chunksOf = new Map<string, number[]>();
  for (const row of rows) {
    const doc = sourceOf.get(row.id)!.replace(/^beir:/, '');
    chunksOf.set(doc, [...(chunksOf.get(doc) ?? []), row.id]);
  }
  const pairs = inFold(dataset.queries, args.fold).flatMap((query) =>
    [...dataset.qrels.get(query.id)!]
      .filter(([doc, grade]) => grade > 0 && chunksOf.has(doc))
      .map(([doc]) => ({
        query: keywordTerms(query.text),
        document: chunksOf.get(doc)!.flatMap((id) => termsOf.get(id)!),
      })),
  );
  const started = performance.now();
  TranslationModel.train(pairs).save(args['train-translation']);
  console.log(
    `translation model from ${pairs.length} (query, relevant document) pairs of ${args.fold} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${args['train-translation']}`,
  );
  process.exit(0);
}
const translation = args.translation ? TranslationModel.fromFile(args.translation) : undefined;

/** The best `k` chunks for a question under `variant` (its time: both passes and the model). */
function rank(question: string, k: number, variant: Variant): ScoredDoc[] {
  const terms = keywordTerms(question);
  const first = corpus.index.search(terms, Math.max(k, 10));
  if (variant.kind === 'plain') return first.slice(0, k);
  const model =
    variant.kind === 'tm'
      ? translation!.expand(terms, variant.terms, variant.minPairs)
      : feedbackModel(corpus, first.slice(0, variant.docs), variant.terms, variant.kind);
  if (model.size === 0 || first.length === 0) return first.slice(0, k);
  return corpus.index.searchWeighted(interpolate(terms, model, variant.lambda), k);
}

const f = (value: number) => value.toFixed(4);
if (args.dataset) {
  const dataset = await readBeirDataset(args.dataset, args.split);
  const queries = inFold(dataset.queries, args.split === 'train' ? args.fold : 'all');
  console.log(
    `${args.dataset} ${args.split} (${args.split === 'train' ? args.fold : 'all'}): ${queries.length} queries`,
  );
  // With --seen FOLD: nDCG@10 apart for the queries with a relevant document that the train
  // judgements of FOLD judge relevant too (what a model learnt from them has seen) and the others.
  const seenDocs = new Set<string>();
  if (args.seen) {
    const train = await readBeirDataset(args.dataset, 'train');
    for (const query of inFold(train.queries, args.seen))
      for (const [doc, grade] of train.qrels.get(query.id)!) if (grade > 0) seenDocs.add(doc);
  }
  const seen = queries.map((query) =>
    [...dataset.qrels.get(query.id)!].some(([doc, grade]) => grade > 0 && seenDocs.has(doc)),
  );
  const part = (scores: number[], wanted: boolean) => {
    const picked = scores.filter((_, i) => seen[i] === wanted);
    return `${f(picked.reduce((sum, score) => sum + score, 0) / picked.length)} (${picked.length})`;
  };
  const split = args.seen ? ' nDCG@10, document seen (queries) | unseen (queries) |' : '';
  console.log(`| variant | nDCG@10 | Recall@100 | queries raised / lowered |${split} ms/query |`);
  console.log(`| --- | --- | --- | --- |${args.seen ? ' --- | --- |' : ''} --- |`);
  let baseline: number[] | undefined;
  for (const variant of variants) {
    const scores: number[] = [];
    let recall = 0;
    let elapsed = 0;
    for (const query of queries) {
      const started = performance.now();
      const found = rank(query.text, 100, variant);
      elapsed += performance.now() - started;
      const docs = [...new Set(found.map(({ id }) => sourceOf.get(id)!.replace(/^beir:/, '')))];
      const judgements: Judgements = dataset.qrels.get(query.id)!;
      scores.push(ndcgAt(docs, judgements, 10));
      recall += recallAt(docs, judgements, 100);
    }
    baseline ??= scores;
    const raised = scores.filter((score, i) => score > baseline![i]! + 1e-9).length;
    const lowered = scores.filter((score, i) => score < baseline![i]! - 1e-9).length;
    const n = queries.length;
    const mean = scores.reduce((sum, score) => sum + score, 0) / n;
    console.log(
      `| ${variant.label} | ${f(mean)} | ${f(recall / n)} | ${raised} / ${lowered} |${args.seen ? ` ${part(scores, true)} | ${part(scores, false)} |` : ''} ${(elapsed / n).toFixed(2)} |`,
    );
  }
} else {
  const root = path.resolve(args.docs!);
  const topK = Number(args['top-k']);
  const questions = parseCitationQuestions(await readFile(args.questions!, 'utf8'), args.questions!);
  console.log(`${args.questions}: ${questions.length} questions, pages of the top ${topK} passages`);
  console.log('| variant | hit@1 | hit@3 | MRR | ms/query |');
  console.log('| --- | --- | --- | --- | --- |');
  let baseline: number[] | undefined;
  for (const variant of variants) {
    const tally = [0, 0, 0];
    let elapsed = 0;
    const ranks: number[] = [];
    for (const { question, expected } of questions) {
      const started = performance.now();
      const found = rank(question, topK, variant);
      elapsed += performance.now() - started;
      const { rank: at } = expectedPageRank(
        found.map(({ id }) => sourceOf.get(id)!),
        expected,
        root,
      );
      if (at === 1) tally[0]! += 1;
      if (at >= 1 && at <= 3) tally[1]! += 1;
      if (at >= 1) tally[2]! += 1 / at;
      // CHANGES=1: the questions whose page moves into or out of the first three against the first variant.
      const before = baseline?.[ranks.length];
      if (
        process.env.CHANGES &&
        before !== undefined &&
        (before >= 1 && before <= 3) !== (at >= 1 && at <= 3)
      )
        console.error(`${variant.label}: ${before || '-'} -> ${at || '-'} ${question}`);
      ranks.push(at);
    }
    baseline ??= ranks;
    const n = questions.length;
    console.log(
      `| ${variant.label} | ${tally.map((value) => f(value / n)).join(' | ')} | ${(elapsed / n).toFixed(2)} |`,
    );
  }
}
