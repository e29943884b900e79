// Ingestion: uploads in, chunks stored; durable jobs; parsing off the event loop.
export {
  type DocumentRecord,
  deleteDocument,
  ensureKnowledgeBase,
  getDocument,
  listDocuments,
} from './document-store.js';
export { type BatchEmbedder, EmbeddingBackfill } from './embedding-backfill.js';
export { IngestPool } from './ingest-pool.js';
export { Ingestion, type IngestionOptions, type IngestOutcome, type Upload } from './ingestion.js';
export { getJob, type JobRecord, queueState } from './job-queue.js';
