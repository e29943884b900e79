// Benchmark (not a test): retrieval latency and ingestion throughput at 10k, 100k and 1M chunks,
// keyword-only and hybrid, on the embedded database (PGlite) and on a PostgreSQL server.
//
//   npm run build && npx tsx bench/retrieval.ts [--sizes 10000,100000,1000000]
//     [--backend embedded,postgres] [--mode keyword,memory,hybrid] [--queries 500] [--warmup 50]
//     [--in-flight 1,8] [--top-k 8] [--hybrid-max 10000] [--pipeline-chunks 5000] [--seed 1]
//     [--admin-url postgres://postgres@127.0.0.1:5432/postgres] [--keep] [--fresh] [--no-write]
//     [--out retrieval]
//
// Per backend and size, in a fresh database (a temporary data directory, or a database of its own
// created on the server and dropped afterwards):
// 1. a second tenant gets up to --pipeline-chunks chunks through the full ingestion pipeline
//    (worker thread: parse, chunk with the real tokenizer, store), with every index in place:
//    the "full pipeline" throughput;
// 2. the measured tenant's chunks are written by the store step (`storeChunks`) 50 to a document,
//    every index (GIN, BM25) maintained as rows arrive: the "bulk insert" throughput;
// 3. the database is opened again as a starting server would, then ANALYZE (what autovacuum does
//    after a load on a server);
// 4. hybrid only: the embedding backfill embeds every chunk (synthetic 384-dim vectors) and
//    ensureVectorTable builds the HNSW index (within Parley's 60 s query timeout: ~10k vectors);
// 5. --queries queries (after --warmup unmeasured ones) go through Parley's retrievers
//    (KeywordRetriever; HybridRetriever over it and VectorRetriever), without the retrieval cache;
//    mode `memory`: the in-memory keyword index a server keeps in front of the database
//    (MemoryKeywordRetriever, budget large enough for the tenant), loaded first: its load time and
//    the heap it takes are reported.
// Results accumulate in bench/results/<out>.json (a case run again replaces its row) and are
// rendered to bench/results/<out>.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTenant } from '../src/app/index.js';
import {
  EmbeddingBackfill,
  HybridRetriever,
  KeywordRetriever,
  MemoryKeywordRetriever,
  type Retriever,
  VectorRetriever,
} from '../src/knowledge/index.js';
import { ensureVectorTable } from '../src/storage/index.js';
import { type Backend, createBenchStore } from './support/bench-store.js';
import { bulkInsert, ingestThroughPipeline, type LoadTiming } from './support/load-corpus.js';
import { type BenchQuery, type LatencySummary, measureQueries } from './support/query-latency.js';
import { type RetrievalReport, renderReport } from './support/retrieval-report.js';
import { SyntheticCorpus, SyntheticEmbedder } from './support/synthetic-corpus.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const MEASURED_STREAM = 1;
const PIPELINE_STREAM = 2;

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    backend: { type: 'string', default: 'embedded,postgres' },
    mode: { type: 'string', default: 'keyword,memory,hybrid' },
    queries: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '50' },
    'in-flight': { type: 'string', default: '1,8' },
    'top-k': { type: 'string', default: '8' },
    'hybrid-max': { type: 'string', default: '10000' },
    'pipeline-chunks': { type: 'string', default: '5000' },
    'load-concurrency': { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    'admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    keep: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    out: { type: 'string', default: 'retrieval' },
  },
});

const list = (value: string | undefined) => (value ?? '').split(',').filter(Boolean);
const sizes = list(args.sizes).map(Number);
const backends = list(args.backend) as Backend[];
const modes = list(args.mode) as ('keyword' | 'memory' | 'hybrid')[];
const inFlight = list(args['in-flight']).map(Number);
const seed = Number(args.seed);
const topK = Number(args['top-k']);
const queryCount = Number(args.queries);
const warmup = Number(args.warmup);
const hybridMax = Number(args['hybrid-max']);

/** One measured case: a backend and size, its load figures and its query figures per mode. */
export interface CaseResult {
  backend: Backend;
  size: number;
  pipeline: LoadTiming;
  bulk: LoadTiming;
  /** Opening the loaded database again (builds the BM25 index on PGlite), and ANALYZE. */
  reopenSeconds: number;
  analyzeSeconds: number;
  /** The embedding backfill (no HNSW index yet), then the HNSW build. */
  vectors?: { seconds: number; hnswSeconds: number };
  /** The in-memory keyword index: time to load the tenant's copy, and the heap it added (after GC when exposed). */
  memory?: { loadSeconds: number; heapBytes: number };
  keywordMode: string;
  queries: { mode: string; summaries: LatencySummary[] }[];
  skipped: string[];
  diskBytes: number;
  resident: { bytes: number; what: string };
  peakRssBytes: number;
  measuredAt: string;
  /** The commit the case ran on. */
  commit: string;
  /** 1-minute load average when the queries started and ended (the machine is shared). */
  loadAverage: [number, number];
}

const corpus = new SyntheticCorpus({ seed });
const embedder = new SyntheticEmbedder(corpus, seed);

function makeQueries(size: number): BenchQuery[] {
  return Array.from({ length: warmup + queryCount }, (_, index) => {
    const target = corpus.chunk(MEASURED_STREAM, (index * 7_919 + 13) % size);
    return { text: corpus.query(MEASURED_STREAM, index, target), source: target.text };
  });
}

/** Heap in use, after a full collection when the process runs with --expose-gc. */
function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function runCase(backend: Backend, size: number): Promise<CaseResult> {
  const store = await createBenchStore(backend, {
    adminUrl: args['admin-url']!,
    label: `${backend}_${size}`,
    keep: args.keep ?? false,
  });
  const skipped: string[] = [];
  try {
    let db = store.db;
    const tenantId = await ensureTenant(db, 'bench');
    const otherTenant = await ensureTenant(db, 'other');
    const wantHybrid = modes.includes('hybrid');
    let hybrid = wantHybrid && size <= hybridMax && db.features.vector;
    if (wantHybrid && !db.features.vector) skipped.push('hybrid: this database has no pgvector');
    else if (wantHybrid && size > hybridMax) skipped.push(`hybrid: above --hybrid-max ${hybridMax}`);
    if (hybrid) hybrid = await ensureVectorTable(db.pool, embedder.dimensions, embedder.modelId);

    const pipelineChunks = Math.min(Number(args['pipeline-chunks']), Math.ceil(size / 10));
    log(`${backend} ${size}: full pipeline, ${pipelineChunks} chunks for a second tenant`);
    const pipeline = await ingestThroughPipeline(db, store.log, corpus, {
      tenantId: otherTenant,
      stream: PIPELINE_STREAM,
      chunks: pipelineChunks,
    });

    // The BM25 and GIN indexes stay in place and are maintained row by row, as in a running
    // server: Parley's start-up path cannot rebuild BM25 at 1M chunks on PGlite (its 60 s query
    // timeout ends the build). The HNSW index goes before the embedding backfill and is built
    // once after it (row-by-row HNSW inserts are several times slower).
    if (hybrid) await db.query('drop index chunk_embeddings_hnsw');
    log(`${backend} ${size}: bulk insert of ${size} chunks`);
    let reported = 0;
    const bulk = await bulkInsert(
      db,
      corpus,
      { tenantId, stream: MEASURED_STREAM, chunks: size, concurrency: Number(args['load-concurrency']) },
      (done) => {
        if (done - reported >= 100_000) {
          reported = done;
          log(`${backend} ${size}: ${done} chunks stored`);
        }
      },
    );
    let started = performance.now();
    db = await store.reopen();
    const reopenSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await db.query('analyze');
    const analyzeSeconds = (performance.now() - started) / 1000;

    let vectors: CaseResult['vectors'];
    if (hybrid) {
      log(`${backend} ${size}: embedding ${size + pipeline.chunks} chunks`);
      started = performance.now();
      await new EmbeddingBackfill(db, embedder, store.log).drain();
      const seconds = (performance.now() - started) / 1000;
      log(`${backend} ${size}: building the HNSW index`);
      started = performance.now();
      await ensureVectorTable(db.pool, embedder.dimensions, embedder.modelId);
      vectors = { seconds, hnswSeconds: (performance.now() - started) / 1000 };
      await db.query('analyze chunk_embeddings');
    }

    const keyword = new KeywordRetriever(db);
    const retrievers: { mode: string; retriever: Retriever }[] = [];
    if (modes.includes('keyword')) retrievers.push({ mode: 'keyword', retriever: keyword });
    let memory: CaseResult['memory'];
    let memoryIndex: MemoryKeywordRetriever | undefined;
    if (modes.includes('memory')) {
      log(`${backend} ${size}: loading the in-memory keyword index`);
      memoryIndex = new MemoryKeywordRetriever(db, keyword, {
        maxChunks: size + pipeline.chunks,
        bm25: { k1: 1.2, b: 0.75 },
      });
      const heapBefore = heapUsed();
      started = performance.now();
      if (!(await memoryIndex.warm(tenantId))) throw new Error('the in-memory keyword index did not load');
      memory = { loadSeconds: (performance.now() - started) / 1000, heapBytes: heapUsed() - heapBefore };
      retrievers.push({ mode: 'memory', retriever: memoryIndex });
    }
    if (hybrid) {
      retrievers.push({
        mode: 'hybrid',
        retriever: new HybridRetriever([keyword, new VectorRetriever(db, embedder)]),
      });
    }
    const all = makeQueries(size);
    const queries: CaseResult['queries'] = [];
    const loadBefore = os.loadavg()[0]!;
    for (const { mode, retriever } of retrievers) {
      log(`${backend} ${size}: ${mode} queries`);
      await measureQueries(retriever, all.slice(0, warmup), { tenantId, topK, inFlight: 1 });
      const summaries: LatencySummary[] = [];
      for (const n of inFlight) {
        summaries.push(await measureQueries(retriever, all.slice(warmup), { tenantId, topK, inFlight: n }));
      }
      queries.push({ mode, summaries });
    }
    await memoryIndex?.stop();
    return {
      backend,
      size,
      pipeline,
      bulk,
      reopenSeconds,
      analyzeSeconds,
      ...(vectors ? { vectors } : {}),
      ...(memory ? { memory } : {}),
      keywordMode: keyword.name,
      queries,
      skipped,
      diskBytes: await store.diskBytes(),
      resident: await store.residentBytes(),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      measuredAt: new Date().toISOString(),
      commit: describeCommit(),
      loadAverage: [loadBefore, os.loadavg()[0]!],
    };
  } finally {
    await store.destroy();
  }
}

function describeCommit(): string {
  const git = (argv: string[]) => execFileSync('git', argv, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const dirty = git(['status', '--porcelain', '--', 'src']).length > 0;
  return `${git(['rev-parse', '--short', 'HEAD'])}${dirty ? ' + uncommitted changes to src' : ''}`;
}

function describeMachine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return {
    machine: `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}`,
    node: process.version,
    settings: {
      queries: queryCount,
      warmup,
      topK,
      inFlight,
      seed,
      loadConcurrency: Number(args['load-concurrency']),
      pipelineChunks: Number(args['pipeline-chunks']),
    },
  };
}

/** Adds a case to the results file, read afresh so that runs in parallel do not drop each other's cases. */
function recordCase(jsonFile: string, result: CaseResult): RetrievalReport {
  const cases: CaseResult[] = existsSync(jsonFile)
    ? (JSON.parse(readFileSync(jsonFile, 'utf8')) as RetrievalReport).cases
    : [];
  const others = cases.filter((row) => !(row.backend === result.backend && row.size === result.size));
  const report: RetrievalReport = { ...describeMachine(), cases: [...others, result] };
  writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

async function main() {
  const jsonFile = `${RESULTS_DIR}${args.out}.json`;
  if (args.fresh && !args['no-write']) rmSync(jsonFile, { force: true });
  for (const size of sizes) {
    for (const backend of backends) {
      const result = await runCase(backend, size);
      for (const { mode, summaries } of result.queries) {
        for (const s of summaries) {
          log(
            `${backend} ${size} ${mode} x${s.inFlight}: p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, mean ${s.mean.toFixed(2)} ms, found ${(s.found * 100).toFixed(0)} %`,
          );
        }
      }
      if (!args['no-write']) {
        mkdirSync(RESULTS_DIR, { recursive: true });
        const report = recordCase(jsonFile, result);
        writeFileSync(`${RESULTS_DIR}${args.out}.md`, renderReport(report));
      }
    }
  }
}

await main();
