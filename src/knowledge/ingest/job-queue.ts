// Durable ingestion jobs (kind 'ingest') in the database: enqueued with the upload in the same transaction as
// the document row, claimed with SKIP LOCKED (safe across replicas), kept alive by heartbeats,
// and recovered after a crash (requeued, or failed visibly once out of attempts).
import { randomUUID } from 'node:crypto';
import type { Queryable, QueryRunner } from '../../storage/index.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** A job as `GET /v1/jobs/{id}` shows it. */
export interface JobRecord {
  id: string;
  kind: string;
  document_id: string | null;
  status: JobStatus;
  progress: number;
  attempts: number;
  result: unknown;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** The payload of an ingest job (validated when claimed). */
export interface IngestPayload {
  kbId: string;
  format: string;
  filename?: string;
  title?: string;
  source?: string;
}

export interface ClaimedJob {
  id: string;
  tenantId: string;
  documentId: string;
  attempts: number;
  maxAttempts: number;
  payload: unknown;
}

const JOB_COLUMNS =
  'id, kind, document_id, status, progress, attempts, result, error, created_at, started_at, finished_at';

export async function enqueueIngestJob(
  client: Queryable,
  job: { tenantId: string; documentId: string; payload: IngestPayload; content: Uint8Array },
): Promise<string> {
  const id = randomUUID();
  await client.query(
    `insert into jobs(id, tenant_id, kind, document_id, payload, content) values ($1, $2, 'ingest', $3, $4, $5)`,
    [id, job.tenantId, job.documentId, JSON.stringify(job.payload), Buffer.from(job.content)],
  );
  return id;
}

/**
 * Takes the next queued job, or undefined when there is none: the oldest job of the tenant with
 * the fewest jobs running, so one tenant's pile of uploads cannot hold every worker while
 * another's single document waits behind it (each tenant gets its turn as workers free up). Its
 * upload stays in the row: the worker reads it.
 */
export async function claimJob(db: QueryRunner): Promise<ClaimedJob | undefined> {
  const rows = await db.query<{
    id: string;
    tenant_id: string;
    document_id: string;
    attempts: number;
    max_attempts: number;
    payload: unknown;
  }>(
    `with running as (select tenant_id, count(*) as jobs from jobs where status = 'running' group by tenant_id)
     update jobs set status = 'running', attempts = attempts + 1, started_at = now(), heartbeat_at = now()
     where id = (
       select queued.id from jobs queued left join running on running.tenant_id = queued.tenant_id
        where queued.status = 'queued' and queued.kind = 'ingest' and queued.run_after <= now()
        order by coalesce(running.jobs, 0), queued.created_at
        for update of queued skip locked limit 1)
     returning id, tenant_id, document_id, attempts, max_attempts, payload`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    documentId: row.document_id,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    payload: row.payload,
  };
}

export async function heartbeat(db: QueryRunner, id: string, progress: number): Promise<void> {
  await db.query(`update jobs set heartbeat_at = now(), progress = $2 where id = $1 and status = 'running'`, [
    id,
    progress,
  ]);
}

export async function completeJob(db: QueryRunner, id: string, result: unknown): Promise<void> {
  await db.query(
    `update jobs set status = 'succeeded', progress = 1, result = $2, content = null, finished_at = now(), error = null
     where id = $1`,
    [id, JSON.stringify(result)],
  );
}

/** Fails a job for good, or puts it back in the queue when `retry` is set. */
export async function failJob(db: QueryRunner, id: string, error: string, retry: boolean): Promise<void> {
  if (retry) {
    await db.query(`update jobs set status = 'queued', error = $2, progress = 0 where id = $1`, [id, error]);
  } else {
    await db.query(
      `update jobs set status = 'failed', error = $2, content = null, finished_at = now() where id = $1`,
      [id, error],
    );
  }
}

/**
 * Jobs left 'running' by a process that died (no heartbeat for `staleSeconds`) go back to the
 * queue, or fail with a clear reason when they have used all their attempts.
 */
export async function recoverStaleJobs(
  db: QueryRunner,
  staleSeconds: number,
): Promise<{ requeued: number; failed: number }> {
  const failed = await db.query<{ id: string; document_id: string }>(
    `update jobs set status = 'failed', content = null, finished_at = now(),
       error = 'interrupted (the server stopped while this job ran) and out of attempts'
     where kind = 'ingest' and status = 'running' and heartbeat_at < now() - make_interval(secs => $1)
       and attempts >= max_attempts
     returning id, document_id`,
    [staleSeconds],
  );
  if (failed.length) {
    await db.query(
      `update documents set status = 'failed', error = 'ingestion interrupted and out of attempts', updated_at = now()
       where id = any($1) and status <> 'ready'`,
      [failed.map((row) => row.document_id)],
    );
  }
  const requeued = await db.query(
    `update jobs set status = 'queued', progress = 0, error = 'interrupted; resumed after restart'
     where kind = 'ingest' and status = 'running' and heartbeat_at < now() - make_interval(secs => $1)
     returning id`,
    [staleSeconds],
  );
  return { requeued: requeued.length, failed: failed.length };
}

export async function getJob(db: QueryRunner, tenantId: string, id: string): Promise<JobRecord | undefined> {
  const rows = await db.query<JobRecord>(`select ${JOB_COLUMNS} from jobs where id = $1 and tenant_id = $2`, [
    id,
    tenantId,
  ]);
  return rows[0];
}

/** Jobs waiting and running, and how long the oldest waiting job has waited (for metrics). */
export async function queueState(
  db: QueryRunner,
): Promise<{ queued: number; running: number; lagSeconds: number }> {
  const rows = await db.query<{ queued: number; running: number; lag: number | null }>(
    `select count(*) filter (where status = 'queued')::int as queued,
            count(*) filter (where status = 'running')::int as running,
            extract(epoch from now() - min(created_at) filter (where status = 'queued'))::float8 as lag
       from jobs where kind = 'ingest' and status in ('queued', 'running')`,
  );
  const row = rows[0];
  return { queued: row?.queued ?? 0, running: row?.running ?? 0, lagSeconds: row?.lag ?? 0 };
}
