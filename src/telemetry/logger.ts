// JSON logs (pino). One root logger per process, created from config and passed down.
import { type Logger, pino } from 'pino';

export type { Logger };

/** Log lines are written in batches of this many bytes... */
const BATCH_BYTES = 4096;
/** ...and at least this often, so that a quiet server's lines are not held back. */
const FLUSH_MS = 1000;

/**
 * fd 1 for the server; the CLI logs to fd 2 so that stdout carries only command output. Writes
 * are asynchronous and batched: one write per line was the largest part of what telemetry costs
 * per turn (docs/benchmarks.md, Telemetry cost). pino flushes what is buffered when the process exits;
 * a process killed outright loses at most the last second of lines.
 */
export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  const destination = pino.destination({ fd, sync: false, minLength: BATCH_BYTES });
  if (level !== 'silent') {
    const timer = setInterval(() => {
      try {
        destination.flush();
      } catch {
        clearInterval(timer); // closed
      }
    }, FLUSH_MS).unref();
  }
  return pino({ level, base: { service: 'parley' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
