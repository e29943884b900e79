// Webhook events as durable jobs (jobs.kind 'webhook'), in the table ingestion's jobs live in:
// stored with what caused them (a handoff is stored with its turn), claimed with SKIP LOCKED
// (safe across replicas) once due, put back with a later `run_after` when a delivery is to be
// tried again, and failed visibly (status, error) when it never will be.
import type { QueryRunner } from '../../storage/index.js';

export const WEBHOOK_JOB = 'webhook';

/** A webhook job's payload: the event's name and the JSON body posted. */
export interface WebhookPayload {
  event: string;
  body: Record<string, unknown>;
}

export interface ClaimedWebhook {
  id: string;
  tenantId: string;
  /** This attempt's number (1 for the first). */
  attempt: number;
  maxAttempts: number;
  payload: WebhookPayload;
}

/** Takes the webhook job due the longest, or undefined when none is due. */
export async function claimWebhook(db: QueryRunner): Promise<ClaimedWebhook | undefined> {
  const rows = await db.query<{
    id: string;
    tenant_id: string;
    attempts: number;
    max_attempts: number;
    payload: WebhookPayload;
  }>(
    `update jobs set status = 'running', attempts = attempts + 1, started_at = now(), heartbeat_at = now()
      where id = (select id from jobs where kind = '${WEBHOOK_JOB}' and status = 'queued' and run_after <= now()
                   order by run_after for update skip locked limit 1)
      returning id, tenant_id, attempts, max_attempts, payload`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
    payload: row.payload,
  };
}

/** The event reached its endpoint. */
export async function webhookDelivered(db: QueryRunner, id: string, status: number): Promise<void> {
  await db.query(
    `update jobs set status = 'succeeded', progress = 1, result = $2, error = null, finished_at = now()
      where id = $1`,
    [id, JSON.stringify({ status })],
  );
}

/** Tries the event again after `delayMs`. */
export async function webhookRetryLater(
  db: QueryRunner,
  id: string,
  error: string,
  delayMs: number,
): Promise<void> {
  await db.query(
    `update jobs set status = 'queued', error = $2, run_after = now() + make_interval(secs => $3) where id = $1`,
    [id, error, delayMs / 1000],
  );
}

/** The event will never be delivered: the job fails for good, with why. */
export async function webhookFailed(db: QueryRunner, id: string, error: string): Promise<void> {
  await db.query(`update jobs set status = 'failed', error = $2, finished_at = now() where id = $1`, [
    id,
    error,
  ]);
}

/**
 * Webhook jobs left 'running' by a process that died (no heartbeat for `staleSeconds`) are tried
 * again, or fail once out of attempts.
 */
export async function recoverStaleWebhooks(
  db: QueryRunner,
  staleSeconds: number,
): Promise<{ requeued: number; failed: number }> {
  const stale = `kind = '${WEBHOOK_JOB}' and status = 'running' and heartbeat_at < now() - make_interval(secs => $1)`;
  const failed = await db.query(
    `update jobs set status = 'failed', finished_at = now(),
       error = 'interrupted (the server stopped while it was sent) and out of attempts'
      where ${stale} and attempts >= max_attempts returning id`,
    [staleSeconds],
  );
  const requeued = await db.query(
    `update jobs set status = 'queued', error = 'interrupted; sent again after restart' where ${stale} returning id`,
    [staleSeconds],
  );
  return { requeued: requeued.length, failed: failed.length };
}
