// A benchmark script's main: runs it, and cleans up (child processes, temporary files) whether it
// ends, fails or is interrupted, with a last resort for an exit that skips the clean-up.
import { log } from './child-processes.js';

export interface BenchHooks {
  /** Stops what the run started, politely. */
  tidyUp(): Promise<void>;
  /** Kills what is still running and removes temporary files, synchronously (at process exit). */
  killNow(): void;
  /** Logs what helps to understand a failure (the children's last output). */
  onFailure?(): void;
}

/** Runs `main`, then exits: 0 when it succeeded, 1 when it failed, 130 when interrupted. */
export async function runBench(main: () => Promise<void>, hooks: BenchHooks): Promise<never> {
  process.on('exit', () => hooks.killNow());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void hooks.tidyUp().finally(() => process.exit(130));
    });
  }
  let exitCode = 0;
  try {
    await main();
  } catch (error) {
    exitCode = 1;
    log(`benchmark failed: ${(error as Error).stack ?? String(error)}`);
    hooks.onFailure?.();
  } finally {
    await hooks.tidyUp();
  }
  process.exit(exitCode);
}
