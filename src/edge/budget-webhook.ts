// Posts budget events to PARLEY_BUDGET_WEBHOOK_URL: in the background, with a timeout; a failure
// is logged, never retried into the user's way. `drain` waits for posts in flight on shutdown.
import type { Logger } from '../telemetry/index.js';

export class BudgetWebhook {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly url: string | undefined,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  post(event: Record<string, unknown>): void {
    if (!this.url) return;
    const url = this.url;
    const sent = (async () => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'parley-budget-webhook' },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await response.body?.cancel();
        if (!response.ok)
          this.log.warn({ status: response.status, event: event.event }, 'budget webhook refused the event');
      } catch (error) {
        this.log.warn({ err: error, event: event.event }, 'budget webhook failed');
      }
    })();
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
