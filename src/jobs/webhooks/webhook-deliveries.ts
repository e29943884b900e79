// Delivers webhook jobs: a background loop takes the due ones (a few at once), POSTs each signed
// body to the operator's endpoint with a timeout, and records the outcome in the job: delivered,
// tried again later (network errors, 408, 429 and 5xx; Retry-After honoured; the pause doubles
// otherwise) or failed for good (another answer, or out of attempts). Every outcome is logged and
// counted (parley_webhook_deliveries_total). Runs in each process that runs jobs (`parley serve`,
// `parley worker`); replicas share the queue safely (SKIP LOCKED).
import { Counter, type Registry } from 'prom-client';
import type { QueryRunner } from '../../storage/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { BackgroundTasks, LoopHandle } from '../background-tasks.js';
import { nextAttemptDelayMs, type RetrySchedule, retryAfterMs, verdictOf } from './retry-schedule.js';
import {
  type ClaimedWebhook,
  claimWebhook,
  recoverStaleWebhooks,
  webhookDelivered,
  webhookFailed,
  webhookRetryLater,
} from './webhook-jobs.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

export interface WebhookTarget {
  url: string;
  /** The HMAC key the signature header is made with. */
  secret: string;
  timeoutMs: number;
  retry: RetrySchedule;
}

/** How one attempt ended: the `result` label of parley_webhook_deliveries_total. */
type DeliveryResult = 'delivered' | 'retried' | 'failed';

/** Deliveries under way at once in one process. */
const CONCURRENCY = 4;
/** With nothing due, the queue is looked at again after this (or when poked). */
const IDLE_POLL_MS = 1_000;
const STALE_SWEEP_MS = 60_000;

export class WebhookDeliveries {
  private loop: LoopHandle | undefined;
  private sweep: LoopHandle | undefined;
  private deliveries: Counter<'event' | 'result'> | undefined;

  constructor(
    private readonly db: QueryRunner,
    private readonly target: WebhookTarget,
    private readonly log: Logger,
  ) {}

  registerMetrics(registry: Registry): void {
    this.deliveries = new Counter({
      name: 'parley_webhook_deliveries_total',
      help: 'Webhook delivery attempts by event and result: delivered, retried (it will be sent again), failed (never will be: refused, or out of attempts)',
      labelNames: ['event', 'result'],
      registers: [registry],
    });
  }

  /**
   * Sends the deliveries left running by a stopped process again (`staleSeconds` 0: all of them,
   * for the only process of an embedded database), then delivers due jobs in a background loop.
   */
  async start(loops: Pick<BackgroundTasks, 'loop'>, staleSeconds: number): Promise<void> {
    if (this.loop) return;
    await this.recoverStale(staleSeconds);
    // A delivery runs at most its timeout: one running much longer was interrupted.
    const staleAfter = Math.ceil(this.target.timeoutMs / 1000) + 30;
    this.sweep = loops.loop('webhook-stale-sweep', () => this.recoverStale(staleAfter), {
      everyMs: STALE_SWEEP_MS,
    });
    this.loop = loops.loop('webhook-deliveries', () => this.deliverDue(), {
      everyMs: IDLE_POLL_MS,
      firstAfterMs: 0,
      backoff: { firstMs: IDLE_POLL_MS, maxMs: 30_000 },
    });
  }

  /** Looks at the queue now (an event was just stored). */
  poke(): void {
    this.loop?.poke();
  }

  async stop(): Promise<void> {
    await Promise.all([this.loop?.stop(), this.sweep?.stop()]);
  }

  /** Delivers up to a few due jobs at once; true when there were any (more may be due). */
  async deliverDue(): Promise<boolean> {
    const claimed = await Promise.all(Array.from({ length: CONCURRENCY }, () => claimWebhook(this.db)));
    const jobs = claimed.filter((job): job is ClaimedWebhook => job !== undefined);
    await Promise.all(jobs.map((job) => this.deliver(job)));
    return jobs.length > 0;
  }

  private async recoverStale(staleSeconds: number): Promise<void> {
    const recovered = await recoverStaleWebhooks(this.db, staleSeconds);
    if (recovered.requeued || recovered.failed)
      this.log.warn(recovered, 'recovered interrupted webhook deliveries');
  }

  /** One attempt at one job, its outcome recorded in the job. */
  private async deliver(job: ClaimedWebhook): Promise<void> {
    const { event } = job.payload;
    const log = this.log.child({ jobId: job.id, event, tenantId: job.tenantId, attempt: job.attempt });
    const outcome = await this.post(job);
    if (outcome.verdict === 'delivered') {
      await webhookDelivered(this.db, job.id, outcome.status!);
      this.count(event, 'delivered');
      log.info({ status: outcome.status }, 'webhook delivered');
      return;
    }
    if (outcome.verdict === 'retry' && job.attempt < job.maxAttempts) {
      const delayMs = nextAttemptDelayMs(this.target.retry, job.attempt, outcome.retryAfterMs);
      await webhookRetryLater(this.db, job.id, outcome.error, delayMs);
      this.count(event, 'retried');
      log.warn(
        { error: outcome.error, retryInMs: delayMs },
        'webhook delivery failed; it will be tried again',
      );
      return;
    }
    const error =
      outcome.verdict === 'retry' ? `out of attempts (${job.maxAttempts}): ${outcome.error}` : outcome.error;
    await webhookFailed(this.db, job.id, error);
    this.count(event, 'failed');
    log.error({ error }, 'webhook delivery failed for good');
  }

  private async post(job: ClaimedWebhook): Promise<{
    verdict: 'delivered' | 'retry' | 'permanent';
    status?: number;
    error: string;
    retryAfterMs?: number;
  }> {
    const body = JSON.stringify(job.payload.body);
    try {
      const response = await fetch(this.target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'parley-webhook',
          [SIGNATURE_HEADER]: signWebhook(this.target.secret, body, Math.floor(Date.now() / 1000)),
          'parley-event': job.payload.event,
          'parley-event-id': job.id,
          'parley-delivery-attempt': String(job.attempt),
        },
        body,
        // A redirect is an answer of its own (3xx: not delivered), never followed with the body.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.target.timeoutMs),
      });
      await response.body?.cancel().catch(() => {});
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      return {
        verdict: verdictOf(response.status),
        status: response.status,
        error: `the endpoint answered HTTP ${response.status}`,
        ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
      };
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      const reason = timedOut
        ? `no answer within ${this.target.timeoutMs} ms`
        : `cannot reach the endpoint (${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message})`;
      return { verdict: 'retry', error: reason };
    }
  }

  private count(event: string, result: DeliveryResult): void {
    this.deliveries?.inc({ event, result });
  }
}
