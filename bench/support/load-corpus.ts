// Writes the synthetic corpus through Parley's own ingestion code, two ways, and times both:
// - the full pipeline (`Ingestion.ingestNow`: a worker thread reads, parses, chunks with the
//   real tokenizer and stores), for a sample of documents of the second tenant;
// - the bulk chunk insert (`storeChunks`, the store step of that pipeline: one transaction per
//   document, chunks in batches of 500, tsvector computed by the database), for the measured
//   tenant's chunks, pre-cut to chunk size.
import { createHash } from 'node:crypto';
import { ensureKnowledgeBase, Ingestion, IngestPool } from '../../src/knowledge/index.js';
import { storeChunks, upsertDocument } from '../../src/knowledge/ingest/document-store.js';
import type { PreparedDocument } from '../../src/knowledge/ingest/prepare-document.js';
import type { Database } from '../../src/storage/index.js';
import type { Logger } from '../../src/telemetry/index.js';
import type { SyntheticCorpus } from './synthetic-corpus.js';

/** Chunks per synthetic document in the bulk load. */
export const CHUNKS_PER_DOCUMENT = 50;

export interface LoadTiming {
  chunks: number;
  seconds: number;
  bytes: number;
}

/** Ingests documents of ~`paragraphs` synthetic chunks each until `chunks` chunks were stored. */
export async function ingestThroughPipeline(
  db: Database,
  log: Logger,
  corpus: SyntheticCorpus,
  target: { tenantId: string; stream: number; chunks: number; paragraphs?: number },
): Promise<LoadTiming> {
  const kbId = await ensureKnowledgeBase(db, target.tenantId);
  const pool = new IngestPool(1, db.connection);
  const ingestion = new Ingestion(db, pool, log, { concurrency: 0, staleSeconds: 60 });
  const paragraphs = target.paragraphs ?? 10;
  let chunks = 0;
  let bytes = 0;
  let document = 0;
  const started = performance.now();
  try {
    // Two documents in flight: one being stored while the next is parsed and chunked.
    const worker = async () => {
      while (chunks < target.chunks) {
        const index = document++;
        const text = Array.from(
          { length: paragraphs },
          (_, p) => corpus.chunk(target.stream, index * paragraphs + p).text,
        ).join('\n\n');
        const upload = Buffer.from(text, 'utf8');
        bytes += upload.byteLength;
        const outcome = await ingestion.ingestNow({
          tenantId: target.tenantId,
          kbId,
          bytes: upload,
          format: 'text',
          title: `pipeline document ${index}`,
          source: `bench:pipeline:${index}`,
        });
        chunks += outcome.chunkCount;
      }
    };
    await Promise.all([worker(), worker()]);
  } finally {
    await pool.close();
  }
  return { chunks, bytes, seconds: (performance.now() - started) / 1000 };
}

/** Stores chunks 0..count-1 of `stream` as documents of CHUNKS_PER_DOCUMENT chunks. */
export async function bulkInsert(
  db: Database,
  corpus: SyntheticCorpus,
  target: { tenantId: string; stream: number; chunks: number; concurrency: number },
  onProgress: (done: number) => void = () => {},
): Promise<LoadTiming> {
  const kbId = await ensureKnowledgeBase(db, target.tenantId);
  const documents = Math.ceil(target.chunks / CHUNKS_PER_DOCUMENT);
  let next = 0;
  let chunks = 0;
  let bytes = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < documents) {
      const index = next++;
      const prepared = syntheticDocument(corpus, target.stream, index, target.chunks);
      bytes += prepared.byteSize;
      const documentId = await db.transaction((client) =>
        upsertDocument(client, {
          tenantId: target.tenantId,
          kbId,
          sourceKey: `bench:${index}`,
          title: prepared.title,
          source: `bench:${index}`,
          format: 'text',
        }),
      );
      const stored = await storeChunks(db, { tenantId: target.tenantId, documentId }, prepared);
      chunks += stored.chunkCount;
      onProgress(chunks);
    }
  };
  await Promise.all(Array.from({ length: target.concurrency }, worker));
  return { chunks, bytes, seconds: (performance.now() - started) / 1000 };
}

/** The chunk index (in its stream) of the `ordinal`-th chunk of bulk document `document`. */
export function chunkIndexOf(document: number, ordinal: number): number {
  return document * CHUNKS_PER_DOCUMENT + ordinal;
}

function syntheticDocument(
  corpus: SyntheticCorpus,
  stream: number,
  document: number,
  total: number,
): PreparedDocument {
  const first = chunkIndexOf(document, 0);
  const count = Math.min(CHUNKS_PER_DOCUMENT, total - first);
  const chunks = Array.from({ length: count }, (_, ordinal) => {
    const { text } = corpus.chunk(stream, first + ordinal);
    // An estimate (4 characters a token): exact counting is the chunker's job, timed in the
    // full-pipeline figure, not part of the store step measured here.
    return { ordinal, headingPath: [], text, tokenCount: Math.ceil(text.length / 4), metadata: {} };
  });
  const byteSize = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk.text), 0);
  return {
    title: `bench document ${document}`,
    format: 'text',
    contentHash: createHash('sha256').update(`${stream}:${document}:${count}`).digest('hex'),
    byteSize,
    chunks,
  };
}
