// Baseline (not a test): how a plain BM25 index does on a BEIR dataset, scored exactly as
// `parley eval retrieval --dataset DIR` scores Parley (same reader, same nDCG@10, Recall@100 and
// MRR@10), so that a figure of Parley's on a set with no published BM25 row still has one beside it.
//
//   npx tsx bench/beir-fts5.ts --dataset ../shared/data/scifact
//
// One FTS5 row per document (title and text in one column), tokenizer `porter unicode61`, FTS5's
// BM25 (k1 1.2, b 0.75), each query an OR of its words, the first 100 documents by rank
// (bench/support/fts5.ts). On SciFact it gives nDCG@10 0.6874 beside the BEIR paper's BM25 (Anserini,
// multifield) 0.665 — docs/benchmarks.md, "Retrieval sets".
import { parseArgs } from 'node:util';
import { mrrAt, ndcgAt, readBeirDataset, recallAt } from '../src/eval/index.js';
import { ftsQuery, runSqlite, sqlText } from './support/fts5.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string' },
    split: { type: 'string', default: 'test' },
    sqlite: { type: 'string', default: 'sqlite3' },
  },
});
if (!values.dataset) {
  process.stderr.write('usage: npx tsx bench/beir-fts5.ts --dataset DIR [--split test] [--sqlite sqlite3]\n');
  process.exit(2);
}

async function main(dir: string, split: string, sqlite: string): Promise<void> {
  const dataset = await readBeirDataset(dir, split);
  const statements = [
    "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body, tokenize = 'porter unicode61');",
    'BEGIN;',
    ...dataset.corpus.map(
      (doc) => `INSERT INTO docs VALUES (${sqlText(doc.id)}, ${sqlText(`${doc.title}\n${doc.text}`)});`,
    ),
    'COMMIT;',
  ];
  dataset.queries.forEach((query, index) => {
    const match = ftsQuery(query.text);
    if (match) {
      statements.push(
        `SELECT ${index}, id FROM docs WHERE docs MATCH ${sqlText(match)} ORDER BY rank LIMIT 100;`,
      );
    }
  });
  const { rows, seconds } = runSqlite(statements, sqlite);
  const ranked = dataset.queries.map(() => [] as string[]);
  for (const [index, id] of rows) if (index !== undefined && id) ranked[Number(index)]!.push(id);
  let ndcg = 0;
  let recall = 0;
  let mrr = 0;
  dataset.queries.forEach((query, index) => {
    const relevant = dataset.qrels.get(query.id)!;
    ndcg += ndcgAt(ranked[index]!, relevant, 10);
    recall += recallAt(ranked[index]!, relevant, 100);
    mrr += mrrAt(ranked[index]!, relevant, 10);
  });
  const n = Math.max(dataset.queries.length, 1);
  const f = (value: number) => value.toFixed(4);
  process.stdout.write(
    [
      'baseline:    SQLite FTS5 (porter unicode61, BM25), one row per document, query words OR-ed',
      `dataset:     ${dataset.corpus.length} documents, ${dataset.queries.length} ${split} queries; index and queries in ${seconds.toFixed(1)} s`,
      `nDCG@10:     ${f(ndcg / n)}`,
      `Recall@100:  ${f(recall / n)}`,
      `MRR@10:      ${f(mrr / n)}`,
      `ndcg@10=${f(ndcg / n)} recall@100=${f(recall / n)} mrr@10=${f(mrr / n)}`,
      '',
    ].join('\n'),
  );
}

main(values.dataset, values.split!, values.sqlite!).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
