// The work an ingest worker thread does, end to end and off the HTTP event loop: read the
// upload, parse, chunk, and write the chunks in one transaction over the worker's own pool.

import type { QueryRunner } from '../../storage/index.js';
import type { DocumentFormat } from '../parse/index.js';
import type { FieldWeights } from '../retrieve/keyword-analyzer.js';
import { storeChunks, upsertDocument } from './document-store.js';
import { prepareDocument } from './prepare-document.js';

/** Runs a queued job: its upload is read from the job row. */
export interface JobTask {
  type: 'job';
  jobId: string;
  tenantId: string;
  documentId: string;
  format: DocumentFormat;
  filename?: string;
  title?: string;
}

/** Ingests bytes at once, without a job (the CLI's path). */
export interface UploadTask {
  type: 'upload';
  tenantId: string;
  kbId: string;
  sourceKey: string;
  source?: string;
  bytes: Uint8Array;
  format: DocumentFormat;
  filename?: string;
  title?: string;
}

export type IngestTask = JobTask | UploadTask;

export interface TaskOutcome {
  documentId: string;
  title: string;
  chunkCount: number;
  unchanged: boolean;
}

/** `onProgress` hears 0.1 (upload read), 0.6 (parsed and chunked) and 1 (stored). */
export async function runIngestTask(
  db: QueryRunner,
  task: IngestTask,
  onProgress: (share: number) => void = () => {},
  fieldWeights?: FieldWeights,
): Promise<TaskOutcome> {
  if (task.type === 'job') {
    const rows = await db.query<{ content: Buffer | null }>('select content from jobs where id = $1', [
      task.jobId,
    ]);
    const content = rows[0]?.content;
    if (!content) throw new Error(`job ${task.jobId} has no upload to ingest`);
    onProgress(0.1);
    const prepared = await prepareDocument({
      bytes: content,
      format: task.format,
      filename: task.filename,
      title: task.title,
    });
    onProgress(0.6);
    const stored = await storeChunks(
      db,
      { tenantId: task.tenantId, documentId: task.documentId, title: task.title },
      prepared,
      fieldWeights,
    );
    onProgress(1);
    return { documentId: task.documentId, title: task.title ?? prepared.title, ...stored };
  }
  const prepared = await prepareDocument(task);
  const documentId = await db.transaction((client) =>
    upsertDocument(client, {
      tenantId: task.tenantId,
      kbId: task.kbId,
      sourceKey: task.sourceKey,
      title: task.title ?? prepared.title,
      source: task.source,
      format: task.format,
    }),
  );
  const stored = await storeChunks(
    db,
    { tenantId: task.tenantId, documentId, title: task.title },
    prepared,
    fieldWeights,
  );
  return { documentId, title: task.title ?? prepared.title, ...stored };
}
