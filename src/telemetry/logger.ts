// JSON logs (pino). One root logger per process, created from config and passed down.
import { type Logger, pino } from 'pino';

export type { Logger };

/** fd 1 for the server; the CLI logs to fd 2 so that stdout carries only command output. */
export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  return pino(
    { level, base: { service: 'parley' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd, sync: false }),
  );
}
