// Benchmark (not a test): BM25's k1 and b over a BEIR dataset's kept chunks, without ingesting
// again: nDCG@10 over documents (each document ranked by its best chunk) for every pair of a grid,
// on the split named (choose on `train`; read `test` once for the chosen pair).
//
//   node bin/parley.js eval retrieval --keep --dataset ../shared/data/scifact   # once
//   npx tsx bench/bm25-params.ts --data /tmp/parley-eval-XXXX --dataset ../shared/data/scifact \
//     --split train --k1 0.6,0.9,1.2,1.5 --b 0.3,0.5,0.75,0.9
import { parseArgs } from 'node:util';
import { ndcgAt, readBeirDataset } from '../src/eval/index.js';
import { Bm25Index } from '../src/knowledge/retrieve/bm25-index.js';
import { keywordTerms } from '../src/knowledge/retrieve/keyword-analyzer.js';
import { readKeptChunks } from './support/kept-chunks.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    dataset: { type: 'string' },
    split: { type: 'string', default: 'train' },
    k1: { type: 'string', default: '0.6,0.9,1.2,1.5,2' },
    b: { type: 'string', default: '0.3,0.5,0.75,0.9' },
  },
});
if (!args.data || !args.dataset) throw new Error('--data and --dataset are required');
const list = (value: string) => value.split(',').map(Number);

const { rows } = await readKeptChunks(args.data);
const terms = rows.map((row) => ({
  id: row.id,
  doc: (row.source ?? row.title).replace(/^beir:/, ''),
  terms: keywordTerms([row.title, row.heading_path, row.text].filter(Boolean).join('\n')),
}));
const docOf = new Map(terms.map((row) => [row.id, row.doc]));
const dataset = await readBeirDataset(args.dataset, args.split);
const queries = dataset.queries.map((query) => ({
  terms: keywordTerms(query.text),
  judgements: dataset.qrels.get(query.id)!,
}));

console.log(`${args.dataset} ${args.split}: ${queries.length} queries, ${rows.length} chunks; nDCG@10`);
for (const k1 of list(args.k1)) {
  const cells: string[] = [];
  for (const b of list(args.b)) {
    const index = new Bm25Index({ k1, b });
    for (const row of terms) index.add(row.id, row.terms);
    let sum = 0;
    for (const query of queries) {
      const docs = [...new Set(index.search(query.terms, 100).map(({ id }) => docOf.get(id)!))];
      sum += ndcgAt(docs, query.judgements, 10);
    }
    cells.push(`b=${b}: ${(sum / queries.length).toFixed(4)}`);
  }
  console.log(`k1=${k1}  ${cells.join('  ')}`);
}
