// The order a process's services stop in, derived from the order they started in: each service is
// registered once, as it is created, with its close; closing runs those closes in reverse (as
// Fastify's onClose hooks do, through avvio). A service is created after what it uses, so it
// closes before it: the loops and producers first, then the background drain, then Redis and
// the database they write to, telemetry last.
import type { Logger } from '../telemetry/index.js';

interface Registered {
  name: string;
  close: () => unknown;
}

export class Lifecycle {
  private readonly services: Registered[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** Registers a service's close, run at `close()` before the closes registered earlier. */
  onClose(name: string, close: () => unknown): void {
    this.services.push({ name, close });
  }

  /**
   * Runs every registered close, last registered first, each once the previous one settled. A
   * close that fails is logged and the others still run; the promise then rejects with the first
   * failure. Idempotent: later calls share the first call's promise.
   */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const { name, close } of [...this.services].reverse()) {
      try {
        await close();
      } catch (error) {
        failures.push(error);
        this.log.error({ err: error, service: name }, 'closing a service failed; closing the others');
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}
