// Conversation summaries as durable jobs (jobs.kind 'summary'), so that a process running no
// background work (`parley serve --no-jobs`, a cluster's non-lead workers) calls no model to fold
// older messages: once a follow-up's turn is stored, its process stores a job when the
// conversation has enough messages to fold (one statement, which also asks whether one is
// queued already), and a process that runs jobs (`parley worker`, a serve with jobs) claims it
// (SKIP LOCKED, safe across replicas), writes the summary (updateSummary: idempotent) and deletes
// the job. A process that runs jobs itself folds in its own background tasks, with no job.
import { randomUUID } from 'node:crypto';
import type { BackgroundLoops, LoopHandle } from '../jobs/index.js';
import type { QueryRunner } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';
import { RECENT_MESSAGES, SUMMARY_EVERY } from './conversation-memory.js';

export const SUMMARY_JOB = 'summary';

/** A summary job's payload. */
interface SummaryPayload {
  conversation_id: string;
  bot_id: string;
}

/** Writes the conversation's summary (with its bot's model when it has one). */
export type Summarize = (tenantId: string, botId: string, conversationId: string) => Promise<void>;

/** Jobs claimed at once by one process. */
const CONCURRENCY = 2;
/** With nothing due, the queue is looked at again after this. */
const IDLE_POLL_MS = 1_000;
const STALE_SWEEP_MS = 60_000;
/** A summary takes one model call: a job running longer than this was interrupted. */
const STALE_AFTER_SECONDS = 300;
/** A failed attempt is tried again after this many seconds times its number. */
const RETRY_AFTER_SECONDS = 30;

/**
 * Stores a summary job for the conversation when enough of its messages wait to be folded and no
 * job for it is queued yet; one statement.
 */
export async function enqueueSummary(
  db: QueryRunner,
  tenantId: string,
  botId: string,
  conversationId: string,
): Promise<void> {
  await db.query(
    `insert into jobs(id, tenant_id, kind, payload)
     select $1, c.tenant_id, '${SUMMARY_JOB}', jsonb_build_object('conversation_id', c.id, 'bot_id', $4::text)
       from conversations c
      where c.id = $3 and c.tenant_id = $2
        and (select count(*) from messages m where m.conversation_id = c.id) - $5::int - c.summarized_messages >= $6::int
        and not exists (select 1 from jobs j
                         where j.kind = '${SUMMARY_JOB}' and j.status = 'queued' and j.tenant_id = c.tenant_id
                           and j.payload->>'conversation_id' = c.id)`,
    [randomUUID(), tenantId, conversationId, botId, RECENT_MESSAGES, SUMMARY_EVERY],
  );
}

/** Takes and runs queued summary jobs in a background loop. */
export class SummaryJobs {
  private loop: LoopHandle | undefined;
  private sweep: LoopHandle | undefined;

  constructor(
    private readonly db: QueryRunner,
    private readonly summarize: Summarize,
    private readonly log: Logger,
  ) {}

  start(loops: BackgroundLoops): void {
    if (this.loop) return;
    this.sweep = loops.loop('summary-stale-sweep', () => this.recoverStale(), {
      everyMs: STALE_SWEEP_MS,
      firstAfterMs: 0,
    });
    this.loop = loops.loop('summary-jobs', () => this.runDue(), {
      everyMs: IDLE_POLL_MS,
      firstAfterMs: 0,
      backoff: { firstMs: IDLE_POLL_MS, maxMs: 30_000 },
    });
  }

  async stop(): Promise<void> {
    await Promise.all([this.loop?.stop(), this.sweep?.stop()]);
  }

  /** Runs up to a few due jobs at once; true when there were any (more may be due). */
  async runDue(): Promise<boolean> {
    const claimed = await this.db.query<{
      id: string;
      tenant_id: string;
      attempts: number;
      max_attempts: number;
      payload: SummaryPayload;
    }>(
      `update jobs set status = 'running', attempts = attempts + 1, started_at = now(), heartbeat_at = now()
        where id in (select id from jobs where kind = '${SUMMARY_JOB}' and status = 'queued' and run_after <= now()
                      order by run_after for update skip locked limit ${CONCURRENCY})
        returning id, tenant_id, attempts, max_attempts, payload`,
    );
    await Promise.all(
      claimed.map(async (job) => {
        try {
          await this.summarize(job.tenant_id, job.payload.bot_id, job.payload.conversation_id);
          await this.db.query('delete from jobs where id = $1', [job.id]);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          const again = job.attempts < job.max_attempts;
          await this.db.query(
            again
              ? `update jobs set status = 'queued', error = $2, run_after = now() + make_interval(secs => $3) where id = $1`
              : `update jobs set status = 'failed', error = $2, finished_at = now() where id = $1`,
            again ? [job.id, message, RETRY_AFTER_SECONDS * job.attempts] : [job.id, message],
          );
          this.log.warn({ jobId: job.id, error: message, again }, 'conversation summary failed');
        }
      }),
    );
    return claimed.length > 0;
  }

  /** Jobs left running by a process that stopped are queued again (or failed, out of attempts). */
  private async recoverStale(): Promise<void> {
    await this.db.query(
      `update jobs set status = case when attempts < max_attempts then 'queued' else 'failed' end,
              finished_at = case when attempts < max_attempts then null else now() end,
              error = 'interrupted'
        where kind = '${SUMMARY_JOB}' and status = 'running'
          and heartbeat_at < now() - make_interval(secs => ${STALE_AFTER_SECONDS})`,
    );
  }
}
