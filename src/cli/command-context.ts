// What every command needs: the parsed config, a logger on stderr, and one way to report
// failures (a clear message and a non-zero exit, never a stack trace for a user mistake).

import type { Caller } from '../accounting/index.js';
import { type Config, ConfigError, loadConfig } from '../config/index.js';
import { isParleyError } from '../errors/index.js';
import { createLogger, type Logger } from '../telemetry/index.js';

export interface CommandContext {
  config: Config;
  log: Logger;
}

export function commandContext(overrides: Record<string, string | undefined> = {}): CommandContext {
  const env = { ...process.env };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) env[key] = value;
  const config = loadConfig(env);
  // Commands log warnings only, to stderr, so their own output stays readable.
  const level = process.env.PARLEY_LOG_LEVEL ?? 'warn';
  return { config, log: createLogger(level, 2) };
}

/**
 * Whom a command's turns are accounted to: the tenant, no key (usage rows show no key), and the
 * address `cli`, which no network client can have.
 */
export function cliCaller(tenantId: string): Caller {
  return { tenantId, keyId: null, ip: 'cli' };
}

/** Runs a command body; turns known errors into `parley: message` and exit code 1. */
export function runCommand<Args extends unknown[]>(body: (...args: Args) => Promise<void>) {
  return async (...args: Args) => {
    try {
      await body(...args);
    } catch (error) {
      if (error instanceof ConfigError || isParleyError(error)) {
        const cause = isParleyError(error) && error.cause instanceof Error ? ` (${error.cause.message})` : '';
        process.stderr.write(`parley: ${error.message}${cause}\n`);
      } else {
        process.stderr.write(
          `parley: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
      }
      process.exitCode = 1;
    }
  };
}
