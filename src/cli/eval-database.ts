// The database an evaluation runs on: a fresh, temporary embedded one (so an evaluation never
// writes into real data, whatever DATABASE_URL says), or a PostgreSQL database named explicitly on
// the command line; closed afterwards, and removed unless kept.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRuntime, type Runtime } from '../app/index.js';
import type { Config } from '../config/index.js';
import { commandContext } from './command-context.js';

export interface EvalDatabaseOptions {
  /** Keep the temporary database (its folder is printed). */
  keep?: boolean | undefined;
  /** Keyword search in memory (as a server does) or in the database. */
  keywordIndex: 'memory' | 'database';
  /** An empty PostgreSQL database to evaluate on instead of a temporary embedded one. */
  databaseUrl?: string | undefined;
  /** More settings for this evaluation (environment names). */
  env?: Record<string, string>;
}

/** Runs `body` on a runtime over a fresh evaluation database, then closes and removes it. */
export async function withEvalDatabase<T>(
  options: EvalDatabaseOptions,
  body: (runtime: Runtime, config: Config) => Promise<T>,
): Promise<T> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-eval-'));
  const { config, log } = commandContext({
    ...options.env,
    PARLEY_DATA_DIR: dataDir,
    DATABASE_URL: options.databaseUrl ?? '',
  });
  const runtime = await createRuntime(config, log, { keywordIndex: options.keywordIndex });
  try {
    return await body(runtime, config);
  } finally {
    await runtime.close();
    if (!options.keep) await rm(dataDir, { recursive: true, force: true });
    else process.stderr.write(`kept the evaluation database in ${dataDir}\n`);
  }
}
