// Ingestion: accepts uploads as durable jobs and runs them (parse and chunk on worker threads,
// store in one transaction). The same prepare-and-store path serves `parley ingest` directly.
// Taking jobs from the queue and sweeping for interrupted ones are background loops
// (BackgroundTasks); the jobs taken run here, on the pool.
import { z } from 'zod';
import { isParleyError, ParleyError } from '../../errors/index.js';
import type { BackgroundLoops, LoopHandle } from '../../jobs/index.js';
import type { Database } from '../../storage/index.js';
import type { Logger } from '../../telemetry/logger.js';
import { type DocumentFormat, detectFormat } from '../parse/index.js';
import { markDocumentFailed, upsertDocument } from './document-store.js';
import type { IngestPool } from './ingest-pool.js';
import {
  type ClaimedJob,
  claimJob,
  completeJob,
  enqueueIngestJob,
  failJob,
  heartbeat,
  recoverStaleJobs,
} from './job-queue.js';

/** One upload: bytes plus what is known about them. */
export interface Upload {
  tenantId: string;
  kbId: string;
  bytes: Uint8Array;
  filename?: string;
  contentType?: string;
  /** Explicit format (JSON uploads are markdown/text); otherwise detected from filename/content type. */
  format?: DocumentFormat;
  title?: string;
  source?: string;
}

export interface IngestOutcome {
  documentId: string;
  title: string;
  chunkCount: number;
  unchanged: boolean;
}

const payloadSchema = z.object({
  kbId: z.string(),
  format: z.enum(['markdown', 'text', 'html', 'pdf', 'docx']),
  filename: z.string().optional(),
  title: z.string().optional(),
  source: z.string().optional(),
});

const HEARTBEAT_MS = 5_000;
/** With no job to take (or no free slot), the queue is looked at again after this, or when poked. */
const IDLE_POLL_MS = 1_000;
/** How often jobs left 'running' by another process are looked for. */
const STALE_SWEEP_MS = 60_000;

export interface IngestionOptions {
  /** Jobs this process runs at once; 0 makes it enqueue only. */
  concurrency: number;
  /** A job 'running' without a heartbeat for this long is considered interrupted. */
  staleSeconds: number;
}

function resolveFormat(upload: Pick<Upload, 'format' | 'filename' | 'contentType'>): DocumentFormat {
  const format = upload.format ?? detectFormat(upload.filename, upload.contentType);
  if (!format) {
    throw new ParleyError(
      'PARLEY_ERR_UNSUPPORTED_MEDIA',
      `unsupported document type${upload.filename ? ` for ${upload.filename}` : ''}: use md, txt, html, pdf or docx`,
    );
  }
  return format;
}

function sourceKeyOf(upload: Pick<Upload, 'source' | 'filename' | 'title'>): string {
  const key = upload.source ?? upload.filename ?? upload.title;
  if (!key)
    throw new ParleyError('PARLEY_ERR_VALIDATION', 'a document needs a title, a source or a filename');
  return key;
}

export class Ingestion {
  private running = 0;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();
  private jobs: LoopHandle | undefined;
  private sweep: LoopHandle | undefined;

  constructor(
    private readonly db: Database,
    private readonly pool: IngestPool,
    private readonly log: Logger,
    private readonly options: IngestionOptions,
    /** Called after a document's chunks were stored (wakes the embedding backfill). */
    /** A tenant's documents changed (a document stored or replaced). */
    private readonly onStored: (tenantId: string) => void = () => {},
  ) {}

  /** Stores the upload and its job durably; the work happens in the background. */
  async submit(upload: Upload): Promise<{ documentId: string; jobId: string }> {
    const format = resolveFormat(upload);
    const sourceKey = sourceKeyOf(upload);
    const title = upload.title ?? upload.filename ?? sourceKey;
    const ids = await this.db.forTenant(upload.tenantId).transaction(async (client) => {
      const documentId = await upsertDocument(client, {
        tenantId: upload.tenantId,
        kbId: upload.kbId,
        sourceKey,
        title,
        source: upload.source ?? upload.filename,
        format,
      });
      const jobId = await enqueueIngestJob(client, {
        tenantId: upload.tenantId,
        documentId,
        content: upload.bytes,
        payload: {
          kbId: upload.kbId,
          format,
          filename: upload.filename,
          title: upload.title,
          source: upload.source,
        },
      });
      return { documentId, jobId };
    });
    this.jobs?.poke();
    return ids;
  }

  /** Ingests one upload now, without a job (the CLI's path); the work runs on a worker thread. */
  async ingestNow(upload: Upload): Promise<IngestOutcome> {
    const outcome = await this.pool.run({
      type: 'upload',
      tenantId: upload.tenantId,
      kbId: upload.kbId,
      sourceKey: sourceKeyOf(upload),
      source: upload.source ?? upload.filename,
      bytes: upload.bytes,
      format: resolveFormat(upload),
      filename: upload.filename,
      title: upload.title,
    });
    this.onStored(upload.tenantId);
    return outcome;
  }

  /**
   * Recovers interrupted jobs, then takes jobs from the queue in a background loop (poked when a
   * job is queued or one finishes) and sweeps for interrupted ones every minute.
   */
  async start(loops: BackgroundLoops): Promise<void> {
    if (this.options.concurrency === 0 || this.jobs) return;
    await this.recoverStale(this.options.staleSeconds);
    // At least 30 s once jobs run here (they beat every 5 s); at start-up 0 may do: none ran yet.
    const staleAfter = Math.max(this.options.staleSeconds, 30);
    this.sweep = loops.loop('ingest-stale-sweep', () => this.recoverStale(staleAfter), {
      everyMs: STALE_SWEEP_MS,
    });
    this.jobs = loops.loop('ingest-jobs', () => this.claimJobs(), { everyMs: IDLE_POLL_MS, firstAfterMs: 0 });
  }

  /** Stops taking jobs and waits for running ones; unfinished jobs stay queued for next time. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([this.jobs?.stop(), this.sweep?.stop()]);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Takes queued jobs while this process has a free slot, and starts each (`stop` waits for them). */
  async claimJobs(): Promise<void> {
    while (!this.stopping && this.running < this.options.concurrency) {
      const job = await claimJob(this.db);
      if (!job) return;
      this.running++;
      const work = this.execute(job).finally(() => {
        this.running--;
        this.inFlight.delete(work);
        this.jobs?.poke();
      });
      this.inFlight.add(work);
    }
  }

  /** Puts jobs 'running' without a heartbeat for `staleSeconds` back in the queue (or fails them). */
  async recoverStale(staleSeconds: number): Promise<void> {
    const recovered = await recoverStaleJobs(this.db, staleSeconds);
    if (recovered.requeued || recovered.failed)
      this.log.warn(recovered, 'recovered interrupted ingestion jobs');
  }

  private async execute(job: ClaimedJob): Promise<void> {
    const log = this.log.child({ jobId: job.id, documentId: job.documentId });
    let progress = 0.05;
    const beat = setInterval(() => {
      heartbeat(this.db, job.id, progress).catch(() => {});
    }, HEARTBEAT_MS);
    try {
      const payload = payloadSchema.parse(job.payload);
      const stored = await this.pool.run(
        {
          type: 'job',
          jobId: job.id,
          tenantId: job.tenantId,
          documentId: job.documentId,
          format: payload.format,
          filename: payload.filename,
          title: payload.title,
        },
        (share) => {
          // Stored in the job row by the next heartbeat (not a write per stage).
          progress = Math.min(share, 0.95);
        },
      );
      await completeJob(this.db, job.id, { chunks: stored.chunkCount, unchanged: stored.unchanged });
      this.onStored(job.tenantId);
      log.info({ chunks: stored.chunkCount, unchanged: stored.unchanged }, 'document ingested');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Unreadable input never succeeds on retry; other failures retry until out of attempts.
      const permanent =
        (isParleyError(error) && !error.isRetryable && error.code !== 'PARLEY_ERR_INTERNAL') ||
        error instanceof z.ZodError;
      const retry = this.stopping || (!permanent && job.attempts < job.maxAttempts);
      log.warn({ err: error, retry }, 'ingestion job failed');
      await failJob(this.db, job.id, message, retry).catch((dbError) =>
        log.error({ err: dbError }, 'cannot record job failure'),
      );
      if (!retry) await markDocumentFailed(this.db, job.tenantId, job.documentId, message).catch(() => {});
    } finally {
      clearInterval(beat);
    }
  }
}
