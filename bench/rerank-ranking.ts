// Benchmark (not a test): the local reranker over the best N keyword candidates, before and after,
// without ingesting again. Reads the chunks of a database kept by `parley eval citations --keep`
// or `parley eval retrieval --keep` (its data directory), ranks each question with an in-memory
// BM25 index over them (bench/support/rerank-candidates.ts), reorders the best N with the local
// reranker and prints, for a question set, where the expected page ranks among the pages of the
// top-k passages (hit@1, hit@3, MRR; as bench/keyword-ranking.ts), or for a BEIR dataset nDCG@10
// over documents; then the reranker's time per call (N candidates, chunks read before and not).
//
//   node bin/parley.js eval citations --keep --questions Q --docs D          # once
//   npx tsx bench/rerank-ranking.ts --data /tmp/parley-eval-XXXX --questions Q --docs D [--model FILE]
//   node bin/parley.js eval retrieval --keep --dataset ../shared/data/scifact   # once
//   npx tsx bench/rerank-ranking.ts --data /tmp/parley-eval-YYYY --dataset ../shared/data/scifact
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ndcgAt, parseCitationQuestions, readBeirDataset } from '../src/eval/index.js';
import { LocalReranker, type LocalRerankerModel } from '../src/knowledge/rerank/local-reranker.js';
import type { RetrievedChunk } from '../src/knowledge/retrieve/types.js';
import { readKeptChunks } from './support/kept-chunks.js';
import { expectedPageRank } from './support/page-rank.js';
import { CandidateIndex } from './support/rerank-candidates.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    questions: { type: 'string' },
    docs: { type: 'string' },
    dataset: { type: 'string' },
    split: { type: 'string', default: 'test' },
    model: { type: 'string' },
    'top-n': { type: 'string', default: '30' },
    'top-k': { type: 'string', default: '8' },
  },
});
if (!args.data || !(args.dataset || (args.questions && args.docs)))
  throw new Error('--data and either --dataset or --questions with --docs are required');
const topN = Number(args['top-n']);
const topK = Number(args['top-k']);
const model = args.model ? (JSON.parse(readFileSync(args.model, 'utf8')) as LocalRerankerModel) : undefined;
const reranker = new LocalReranker(model);

const { rows } = await readKeptChunks(args.data);
const index = new CandidateIndex(
  rows.map((row) => ({
    id: row.id,
    source: row.source ?? row.title,
    title: row.title,
    headingPath: row.heading_path,
    text: row.text,
  })),
);

const timings: number[] = [];
/** The candidates, their best `topN` reordered by the reranker (ties keep the fused order). */
function reranked(query: string, candidates: RetrievedChunk[]): RetrievedChunk[] {
  const head = candidates.slice(0, topN);
  const started = performance.now();
  const scores = reranker.scoreNow(query, head);
  timings.push(performance.now() - started);
  const order = head.map((chunk, i) => ({ chunk, score: scores[i]!, i }));
  order.sort((a, b) => b.score - a.score || a.i - b.i);
  return [...order.map((entry) => entry.chunk), ...candidates.slice(topN)];
}

const f = (value: number) => value.toFixed(4);
if (args.dataset) {
  const dataset = await readBeirDataset(args.dataset, args.split);
  const strip = (source: string) => source.replace(/^beir:/, '');
  let before = 0;
  let after = 0;
  for (const query of dataset.queries) {
    const candidates = index.candidates(query.text, 100);
    const judgements = dataset.qrels.get(query.id)!;
    const docs = (list: RetrievedChunk[]) => [...new Set(list.map((chunk) => strip(chunk.source!)))];
    before += ndcgAt(docs(candidates), judgements, 10);
    after += ndcgAt(docs(reranked(query.text, candidates)), judgements, 10);
  }
  const n = dataset.queries.length;
  console.log(`${args.dataset} ${args.split}, ${n} queries: nDCG@10 ${f(before / n)} -> ${f(after / n)}`);
} else {
  const root = path.resolve(args.docs!);
  const questions = parseCitationQuestions(await readFile(args.questions!, 'utf8'), args.questions!);
  const score = { before: [0, 0, 0], after: [0, 0, 0] };
  const tally = (into: number[], list: RetrievedChunk[], expected: string[]) => {
    const { rank } = expectedPageRank(
      list.slice(0, topK).map((chunk) => chunk.source!),
      expected,
      root,
    );
    if (rank === 1) into[0]! += 1;
    if (rank >= 1 && rank <= 3) into[1]! += 1;
    if (rank >= 1) into[2]! += 1 / rank;
  };
  for (const { question, expected } of questions) {
    const candidates = index.candidates(question, Math.max(topN, topK));
    tally(score.before, candidates, expected);
    tally(score.after, reranked(question, candidates), expected);
  }
  const n = questions.length;
  const line = (s: number[]) => s.map((value) => f(value / n)).join(' / ');
  console.log(
    `${args.questions}, ${n} questions, hit@1 / hit@3 / MRR: ${line(score.before)} -> ${line(score.after)}`,
  );
}

// Time per call: the calls above read each chunk for the first time unless a recent query had it
// among its candidates (cache of 2,048 chunks); each query again, twice, times the second call,
// all of whose chunks are read already, as a server sees the recurring best chunks.
const queries = args.dataset
  ? (await readBeirDataset(args.dataset, args.split)).queries.map((query) => query.text)
  : parseCitationQuestions(await readFile(args.questions!, 'utf8'), args.questions!).map((q) => q.question);
const warm: number[] = [];
for (const query of queries) {
  const head = index.candidates(query, topN);
  reranker.scoreNow(query, head);
  const started = performance.now();
  reranker.scoreNow(query, head);
  warm.push(performance.now() - started);
}
const p = (list: number[], q: number) =>
  [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(q * list.length))]!.toFixed(3);
console.log(
  `reranker time per call (${topN} candidates): chunks read before p50 ${p(warm, 0.5)} ms, p99 ${p(warm, 0.99)} ms; first calls p50 ${p(timings, 0.5)} ms, p99 ${p(timings, 0.99)} ms`,
);
