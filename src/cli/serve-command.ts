// `parley serve [--port N] [--docs DIR]`: starts the HTTP server; with --docs, ingests that
// folder into the default knowledge base first. Shuts down gracefully on SIGINT/SIGTERM. With
// --no-jobs (PARLEY_SERVE_JOBS=off) it answers the API only and leaves background work to
// `parley worker` processes on the same database. With --workers N (PARLEY_WORKERS) above 1 it
// runs N such servers on one port under node:cluster (serve-cluster.ts).

import v8 from 'node:v8';
import { createApp, createOpsApp, createRuntime, DEFAULT_TENANT, ensureTenant } from '../app/index.js';
import { ensureKnowledgeBase } from '../knowledge/index.js';
import { collectFiles } from './collect-files.js';
import { commandContext } from './command-context.js';
import { ingestFiles } from './ingest-files.js';
import { clusterWorkerIndex, reportWorkerReady, serveCluster } from './serve-cluster.js';
import { onShutdownSignals } from './shutdown-signals.js';

export interface ServeOptions {
  port?: string;
  host?: string;
  docs?: string;
  /** false with --no-jobs; commander sets true otherwise, and then the setting decides. */
  jobs?: boolean;
  /** Processes on the port (PARLEY_WORKERS): a number, or `auto`. */
  workers?: string;
}

export async function serveCommand(options: ServeOptions): Promise<void> {
  const { config, log } = commandContext({
    PARLEY_PORT: options.port,
    PARLEY_HOST: options.host,
    PARLEY_WORKERS: options.workers,
  });
  const workerIndex = clusterWorkerIndex();
  if (workerIndex === undefined && config.server.workers > 1) {
    return serveCluster(
      config,
      log.child({ role: 'primary' }, { level: config.server.logLevel }),
      config.server.workers,
    );
  }
  // In a cluster, worker 0 leads: it alone ingests --docs and runs background work.
  const leads = workerIndex === undefined || workerIndex === 0;
  const serverLog = log.child(workerIndex === undefined ? {} : { worker: workerIndex }, {
    level: config.server.logLevel,
  });
  // Read by V8 at every full collection, so it applies from here on (before the workers start).
  if (config.server.heapGrowthPercent > 0) {
    v8.setFlagsFromString(`--heap-growing-percent=${config.server.heapGrowthPercent}`);
  }
  const runJobs = leads && options.jobs !== false && config.server.serveRunsJobs;
  // An API replica without jobs still answers keyword search from memory.
  const runtime = await createRuntime(config, serverLog, {
    runJobs,
    keywordIndex: 'memory',
    ...(workerIndex === undefined ? {} : { clusterWorker: leads ? 'lead' : 'member' }),
  });
  try {
    if (options.docs && leads) {
      const tenantId = await ensureTenant(runtime.db, DEFAULT_TENANT);
      const kbId = await ensureKnowledgeBase(runtime.db, tenantId);
      const { files } = await collectFiles([options.docs]);
      const summary = await ingestFiles(runtime.ingestion, { tenantId, kbId }, files);
      for (const failure of summary.failed) serverLog.warn(failure, 'document skipped');
      process.stderr.write(
        `parley: ingested ${summary.documents} documents from ${options.docs} (${summary.chunks} chunks, ` +
          `${summary.unchanged} unchanged, ${summary.failed.length} failed) in ${summary.seconds.toFixed(1)} s\n`,
      );
    }
    const parley = await createApp(runtime);
    const address = await parley.app.listen({ port: config.server.port, host: config.server.host });
    const keysExist = leads && (await runtime.keys.anyKeyExists());
    if (leads && !keysExist) {
      serverLog.warn('no API key exists: only loopback clients are served, as tenant "default"');
    }
    if (keysExist && config.server.metricsToken === undefined && config.server.metricsPort === undefined) {
      // A tenant's key no longer opens /metrics: a scraper that used one needs the operator's.
      serverLog.warn(
        '/metrics is for the operator and no operator credential is set: set PARLEY_METRICS_TOKEN (or PARLEY_METRICS_PORT) to scrape it',
      );
    }
    const ops = config.server.metricsPort === undefined ? undefined : await createOpsApp(runtime);
    if (ops) {
      const opsAddress = await ops.listen({ port: config.server.metricsPort, host: config.server.host });
      if (leads) process.stderr.write(`parley: metrics and probes on ${opsAddress}\n`);
    }
    if (!runJobs) {
      serverLog.info(
        leads
          ? 'background jobs are off here: `parley worker` processes run them'
          : 'background jobs are off in this worker: worker 0 runs them',
      );
    }
    if (workerIndex === undefined) process.stderr.write(`parley: serving on ${address}\n`);
    else reportWorkerReady(address);

    onShutdownSignals(serverLog, 'draining requests and streams', async () => {
      await ops?.close();
      await parley.close();
      await runtime.close();
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
