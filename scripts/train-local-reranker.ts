// `npm run train:reranker [-- --scifact DIR --validate]`: learns the local
// reranker's weights (src/knowledge/rerank/local-reranker-model.json) from public TRAIN data only:
// SciFact's train split (BEIR format: its train queries and judgements, over its corpus chunked as
// ingestion chunks it). For each train query, the best 30 chunks of an in-memory BM25 index
// (bench/support/rerank-candidates.ts) are the candidates, as the rerank stage sees them; every
// (relevant, not relevant) pair among them is one example of a pairwise logistic model (RankNet
// with a linear scorer), each query weighing the same however many pairs it has. No question set
// of examples/eval is read: those are held out for evaluation.
// With --validate, a fifth of the train queries (every fifth) is held out and the ranking of that
// fifth is printed before and after reranking (nDCG@10 over documents); nothing is written.
// Deterministic: same data, same file.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type CandidateChunk, CandidateIndex, chunkDocument } from '../bench/support/rerank-candidates.js';
import { ndcgAt, readBeirDataset } from '../src/eval/index.js';
import {
  FEATURE_COUNT,
  FEATURE_NAMES,
  readQuery,
  rerankFeatures,
} from '../src/knowledge/rerank/rerank-features.js';
import type { RetrievedChunk } from '../src/knowledge/retrieve/types.js';

const { values: args } = parseArgs({
  options: {
    scifact: { type: 'string', default: '../shared/data/scifact' },
    validate: { type: 'boolean', default: false },
    'top-n': { type: 'string', default: '30' },
    // Where to write the model (the shipped file by default), to compare variants before shipping one.
    out: { type: 'string', default: '' },
    l2: { type: 'string', default: '0.001' },
    exclude: { type: 'string', default: '' },
    // A folder of markdown pages for self-supervised pairs (each section's own heading as the
    // query, its own chunks as the answer), e.g. ../shared/data/fastify-docs; none by default.
    'self-supervised': { type: 'string', default: '' },
  },
});
const topN = Number(args['top-n']);
const l2 = Number(args.l2);
/** Features left out (weight 0), to measure what each brings. */
const excluded = new Set(args.exclude.split(',').filter(Boolean));

interface Example {
  query: string;
  rows: Float64Array[];
  relevant: boolean[];
  candidates: RetrievedChunk[];
  judgements: Map<string, number>;
}

async function scifactExamples(): Promise<Example[]> {
  const dataset = await readBeirDataset(args.scifact, 'train');
  const chunks: CandidateChunk[] = [];
  for (const doc of dataset.corpus) {
    const bytes = Buffer.from(doc.text, 'utf8');
    chunks.push(
      ...(await chunkDocument(
        { bytes, format: 'text', title: doc.title || doc.id, source: doc.id },
        chunks.length,
      )),
    );
  }
  process.stderr.write(
    `scifact: ${dataset.corpus.length} documents, ${chunks.length} chunks, ${dataset.queries.length} train queries\n`,
  );
  const index = new CandidateIndex(chunks);
  return dataset.queries.map((query) => {
    const candidates = index.candidates(query.text, 100);
    const judgements = dataset.qrels.get(query.id)!;
    const top = candidates.slice(0, topN);
    return {
      query: query.text,
      rows: rerankFeatures(readQuery(query.text), top),
      relevant: top.map((chunk) => (judgements.get(chunk.source!) ?? 0) > 0),
      candidates,
      judgements,
    };
  });
}

/**
 * Self-supervised examples from a folder of markdown pages: a section's heading, as a person
 * would type it, asks for that section's chunks; no question anyone wrote is read.
 */
async function headingExamples(dir: string): Promise<Example[]> {
  const chunks: CandidateChunk[] = [];
  for (const name of readdirSync(dir)
    .filter((file) => file.endsWith('.md'))
    .sort()) {
    const bytes = readFileSync(path.join(dir, name));
    chunks.push(...(await chunkDocument({ bytes, format: 'markdown', source: name }, chunks.length)));
  }
  // The sections (page and heading path) that end in each heading.
  const leafOf = (chunk: CandidateChunk) => chunk.headingPath.split(' > ').at(-1) ?? '';
  const sections = new Map<string, Set<string>>();
  const sectionOf = (chunk: CandidateChunk) => `${chunk.source}\u0000${chunk.headingPath}`;
  for (const chunk of chunks) {
    const held = sections.get(leafOf(chunk)) ?? new Set<string>();
    held.add(sectionOf(chunk));
    sections.set(leafOf(chunk), held);
  }
  const index = new CandidateIndex(chunks);
  const examples: Example[] = [];
  const asked = new Set<string>();
  for (const chunk of chunks) {
    const leaf = leafOf(chunk);
    const key = sectionOf(chunk);
    // A heading that names one section only (not "Example", which many pages have), asked once.
    if (leaf.length < 4 || asked.has(key) || sections.get(leaf)!.size > 1) continue;
    asked.add(key);
    const query = leaf.replace(/[`*_#]/g, ' ').trim();
    const candidates = index.candidates(query, 100);
    const top = candidates.slice(0, topN);
    const judgements = new Map([[key, 1]]);
    examples.push({
      query,
      rows: rerankFeatures(readQuery(query), top),
      relevant: top.map((c) => c.source === chunk.source && c.headingPath === chunk.headingPath),
      candidates: candidates.map((c) => ({ ...c, source: `${c.source}\u0000${c.headingPath}` })),
      judgements,
    });
  }
  process.stderr.write(
    `self-supervised: ${chunks.length} chunks of ${dir}, ${examples.length} heading queries\n`,
  );
  return examples;
}

function dot(weights: Float64Array, row: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < FEATURE_COUNT; i++) sum += weights[i]! * row[i]!;
  return sum;
}

/** Pairwise logistic regression by full-batch gradient descent (Adam), from zero weights. */
function train(examples: Example[]): Float64Array {
  const pairs: { diff: Float64Array; weight: number }[] = [];
  for (const { rows, relevant } of examples) {
    const positives = rows.filter((_, i) => relevant[i]);
    const negatives = rows.filter((_, i) => !relevant[i]);
    const count = positives.length * negatives.length;
    for (const p of positives)
      for (const n of negatives)
        pairs.push({
          diff: p.map((value, i) => (excluded.has(FEATURE_NAMES[i]!) ? 0 : value - n[i]!)),
          weight: 1 / count,
        });
  }
  const totalWeight = pairs.reduce((sum, pair) => sum + pair.weight, 0);
  const w = new Float64Array(FEATURE_COUNT);
  const m = new Float64Array(FEATURE_COUNT);
  const v = new Float64Array(FEATURE_COUNT);
  const rate = 0.05;
  for (let step = 1; step <= 3000; step++) {
    const grad = new Float64Array(FEATURE_COUNT);
    for (const { diff, weight } of pairs) {
      const g = -weight / (1 + Math.exp(dot(w, diff)));
      for (let i = 0; i < FEATURE_COUNT; i++) grad[i]! += (g * diff[i]!) / totalWeight;
    }
    for (let i = 0; i < FEATURE_COUNT; i++) {
      const gi = grad[i]! + l2 * w[i]!;
      m[i] = 0.9 * m[i]! + 0.1 * gi;
      v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
      const mHat = m[i]! / (1 - 0.9 ** step);
      const vHat = v[i]! / (1 - 0.999 ** step);
      w[i]! -= (rate * mHat) / (Math.sqrt(vHat) + 1e-8);
      // Matching more of the query never counts against a candidate: only length may weigh less
      // than nothing (a sign learned from one corpus would otherwise carry to every other).
      if (FEATURE_NAMES[i] !== 'length' && w[i]! < 0) w[i] = 0;
    }
  }
  return w;
}

/** nDCG@10 over documents (a document ranks where its best chunk does), the top N reordered by `w`. */
function ndcg(examples: Example[], w: Float64Array | undefined): number {
  let sum = 0;
  for (const { rows, candidates, judgements } of examples) {
    let order = candidates;
    if (w) {
      const scores = rows.map((row) => dot(w, row));
      const top = candidates.slice(0, rows.length).map((chunk, i) => ({ chunk, score: scores[i]!, i }));
      top.sort((a, b) => b.score - a.score || a.i - b.i);
      order = [...top.map((entry) => entry.chunk), ...candidates.slice(rows.length)];
    }
    const ranked = [...new Set(order.map((chunk) => chunk.source!))];
    sum += ndcgAt(ranked, judgements, 10);
  }
  return sum / examples.length;
}

const scifact = await scifactExamples();
const headings = args['self-supervised'] ? await headingExamples(args['self-supervised']) : [];
const examples = [...scifact, ...headings];
if (args.validate) {
  const fifth = (list: Example[]) => list.filter((_, i) => i % 5 === 0);
  const rest = (list: Example[]) => list.filter((_, i) => i % 5 !== 0);
  const w = train([...rest(scifact), ...rest(headings)]);
  console.log(FEATURE_NAMES.map((name, i) => `${name}=${w[i]!.toFixed(3)}`).join(' '));
  const held = fifth(scifact);
  console.log(
    `held-out fifth of SciFact train (${held.length} queries): nDCG@10 ${ndcg(held, undefined).toFixed(4)} -> ${ndcg(held, w).toFixed(4)}`,
  );
  if (headings.length > 0) {
    const heldHeadings = fifth(headings);
    console.log(
      `held-out fifth of the heading queries (${heldHeadings.length}): nDCG@10 ${ndcg(heldHeadings, undefined).toFixed(4)} -> ${ndcg(heldHeadings, w).toFixed(4)}`,
    );
  }
} else {
  const w = train(examples);
  // Centred so that an average candidate scores about 0.5.
  let mean = 0;
  let count = 0;
  for (const { rows } of examples)
    for (const row of rows) {
      mean += dot(w, row);
      count += 1;
    }
  const model = {
    trainedOn: `SciFact train split (${scifact.length} queries, BEIR qrels/train.tsv)${headings.length ? ` and ${headings.length} self-supervised heading queries over ${path.basename(args['self-supervised'])}` : ''}, pairwise logistic over the best ${topN} BM25 candidates; scripts/train-local-reranker.ts`,
    bias: Number((-mean / count).toFixed(4)),
    weights: Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, Number(w[i]!.toFixed(4))])),
  };
  const file =
    args.out || path.join(import.meta.dirname, '../src/knowledge/rerank/local-reranker-model.json');
  writeFileSync(file, `${JSON.stringify(model, null, 2)}\n`);
  console.log(
    `wrote ${file}; in-sample nDCG@10 ${ndcg(examples, undefined).toFixed(4)} -> ${ndcg(examples, w).toFixed(4)}`,
  );
}
