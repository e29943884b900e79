// Posts budget events to the operator's webhook: as a background task, with a timeout; a failure
// is logged, never retried into the user's way. Posts in flight are drained on shutdown with the
// other background tasks.
import type { BackgroundRunner } from '../jobs/index.js';
import type { Logger } from '../telemetry/index.js';

export class BudgetWebhook {
  constructor(
    private readonly url: string | undefined,
    private readonly timeoutMs: number,
    private readonly log: Logger,
    private readonly tasks: BackgroundRunner,
  ) {}

  post(event: Record<string, unknown>): void {
    if (!this.url) return;
    const url = this.url;
    void this.tasks.run('budget-webhook', async () => {
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
    });
  }
}
