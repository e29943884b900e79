// `parley worker`: a process for background work only (ingestion jobs, embedding backfill,
// conversation summaries, handoff webhooks, retention sweeps), with no API. A fleet on PostgreSQL
// runs `parley serve --no-jobs` replicas for the API and worker replicas beside them; jobs are
// claimed from the database (FOR UPDATE SKIP LOCKED), so any number of each may run. With
// PARLEY_METRICS_PORT set it answers /healthz, /readyz and /metrics there. SIGINT/SIGTERM: stops
// taking jobs, lets running ones finish, closes.
import { createOpsApp, createRuntime } from '../app/index.js';
import { commandContext } from './command-context.js';
import { onShutdownSignals } from './shutdown-signals.js';

export async function workerCommand(): Promise<void> {
  const { config, log } = commandContext();
  const workerLog = log.child({ role: 'worker' }, { level: config.server.logLevel });
  // No keyword copies in memory: this process answers no searches.
  const runtime = await createRuntime(config, workerLog, { runJobs: true, keywordIndex: 'database' });
  let ops: Awaited<ReturnType<typeof createOpsApp>> | undefined;
  try {
    if (config.server.metricsPort !== undefined) {
      ops = await createOpsApp(runtime);
      const address = await ops.listen({ port: config.server.metricsPort, host: config.server.host });
      process.stderr.write(`parley: metrics and probes on ${address}\n`);
    }
  } catch (error) {
    await runtime.close();
    throw error;
  }
  if (config.ingestion.concurrency === 0) {
    workerLog.warn('the ingestion concurrency setting is 0: this worker takes no ingestion jobs');
  }
  process.stderr.write(
    `parley: worker running (${config.ingestion.concurrency} ingestion jobs at once, ${runtime.db.kind} database)\n`,
  );

  // The background loops' timers do not hold the process open (unref'd): this does, until a signal.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  onShutdownSignals(workerLog, 'finishing running jobs', async () => {
    await ops?.close();
    await runtime.close();
    clearInterval(keepAlive);
  });
}
