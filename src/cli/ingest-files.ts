// Ingests a list of files through the same prepare-and-store path as the API, a few at a time.
// A file that fails is reported by name and skipped; the batch always runs to the end.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Ingestion } from '../knowledge/index.js';

export interface IngestSummary {
  documents: number;
  unchanged: number;
  chunks: number;
  /** The documents stored or changed (not those found unchanged). */
  uploaded: string[];
  failed: { file: string; reason: string }[];
  seconds: number;
}

export async function ingestFiles(
  ingestion: Ingestion,
  target: { tenantId: string; kbId: string },
  files: string[],
  onProgress: (done: number, file: string) => void = () => {},
  concurrency = 4,
): Promise<IngestSummary> {
  const started = performance.now();
  const summary: IngestSummary = {
    documents: 0,
    unchanged: 0,
    chunks: 0,
    uploaded: [],
    failed: [],
    seconds: 0,
  };
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      try {
        const bytes = await readFile(file);
        const outcome = await ingestion.ingestNow({
          ...target,
          bytes,
          filename: path.basename(file),
          source: file,
        });
        summary.documents++;
        summary.chunks += outcome.chunkCount;
        if (outcome.unchanged) summary.unchanged++;
        else summary.uploaded.push(outcome.documentId);
      } catch (error) {
        summary.failed.push({ file, reason: error instanceof Error ? error.message : String(error) });
      }
      onProgress(++done, file);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
