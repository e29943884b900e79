// The long-running commands' shutdown: on the first SIGINT or SIGTERM, close in order, log, flush,
// exit 0; a second signal while closing changes nothing.
import type { Logger } from '../telemetry/index.js';

export function onShutdownSignals(log: Logger, what: string, close: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, `shutting down: ${what}`);
    await close();
    log.info('stopped');
    log.flush();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
