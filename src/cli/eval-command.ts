// `parley eval retrieval --dataset DIR`: ingests a BEIR dataset into a fresh, temporary embedded
// database (so evaluation never touches real data) and prints nDCG@10, Recall@100 and MRR@10,
// ending with the machine-readable line `ndcg@10=… recall@100=… mrr@10=…`. `--database-url`
// evaluates on a PostgreSQL database named explicitly instead (e.g. to measure the full-text
// fallback of a server without pg_textsearch); DATABASE_URL alone never redirects an evaluation.
import { ensureTenant } from '../app/index.js';
import { ParleyError } from '../errors/index.js';
import { ingestBeirCorpus, readBeirDataset, scoreRetrieval } from '../eval/index.js';
import { ensureKnowledgeBase } from '../knowledge/index.js';
import { withEvalDatabase } from './eval-database.js';

/** `--keyword-index`: where an evaluation's keyword search runs (memory, as a server does, by default). */
export function keywordIndexOption(value: string | undefined): 'memory' | 'database' {
  const where = value ?? 'memory';
  if (where !== 'memory' && where !== 'database') {
    throw new ParleyError('PARLEY_ERR_VALIDATION', `--keyword-index is memory or database, not ${where}`);
  }
  return where;
}

export async function evalRetrievalCommand(options: {
  dataset: string;
  split: string;
  keep?: boolean;
  /** An empty PostgreSQL database to evaluate on instead of a temporary embedded one. */
  databaseUrl?: string;
  /** Keyword search in memory (as a server does, the default) or in the database. */
  keywordIndex?: string;
}): Promise<void> {
  const keywordIndex = keywordIndexOption(options.keywordIndex);
  const dataset = await readBeirDataset(options.dataset, options.split);
  // The embedded database unless a server database is named on the command line: an evaluation
  // must not write into a shared server because DATABASE_URL happens to be set.
  const database = { keep: options.keep, keywordIndex, databaseUrl: options.databaseUrl };
  await withEvalDatabase(database, async (runtime, config) => {
    const tenantId = await ensureTenant(runtime.db, 'eval');
    const kbId = await ensureKnowledgeBase(runtime.db, tenantId);
    process.stderr.write(
      `dataset ${options.dataset}: ${dataset.corpus.length} documents, ${dataset.queries.length} ${options.split} queries\n`,
    );
    const started = performance.now();
    const { chunks, empty } = await ingestBeirCorpus(
      runtime.ingestion,
      { tenantId, kbId },
      dataset,
      (done) => {
        if (done % 1000 === 0 || done === dataset.corpus.length) {
          process.stderr.write(`ingested ${done}/${dataset.corpus.length}\n`);
        }
      },
    );
    if (runtime.embeddings) {
      process.stderr.write(`embedding ${chunks} chunks with ${runtime.vector.model}\n`);
      await runtime.embeddings.drain();
    }
    const ingestSeconds = (performance.now() - started) / 1000;
    const inMemory = keywordIndex === 'memory' && (await runtime.keywordIndex.warm(tenantId));
    const scores = await scoreRetrieval(runtime.retriever, tenantId, dataset);
    const peakMb = process.resourceUsage().maxRSS / 1024;
    const f = (value: number) => value.toFixed(4);
    process.stdout.write(
      [
        `retriever:   ${runtime.retriever.name} (k1=${config.retrieval.bm25.k1}, b=${config.retrieval.bm25.b}${runtime.vector.model ? `, ${runtime.vector.model}` : ''}), keyword search ${inMemory ? 'in memory' : 'in the database'}`,
        `ingestion:   ${dataset.corpus.length} documents${empty ? ` (${empty} empty, not ingested)` : ''}, ${chunks} chunks in ${ingestSeconds.toFixed(1)} s`,
        `queries:     ${scores.queries}, latency p50 ${scores.latencyMs.p50.toFixed(1)} ms, p99 ${scores.latencyMs.p99.toFixed(1)} ms`,
        `peak memory: ${peakMb.toFixed(0)} MB resident (whole process, database included)`,
        `nDCG@10:     ${f(scores.ndcg10)}`,
        `Recall@100:  ${f(scores.recall100)}`,
        `MRR@10:      ${f(scores.mrr10)}`,
        `ndcg@10=${f(scores.ndcg10)} recall@100=${f(scores.recall100)} mrr@10=${f(scores.mrr10)}`,
        '',
      ].join('\n'),
    );
  });
}
