// `parley serve [--port N] [--docs DIR]`: starts the HTTP server; with --docs, ingests that
// folder into the default knowledge base first. Shuts down gracefully on SIGINT/SIGTERM.

import v8 from 'node:v8';
import { createApp, createRuntime, DEFAULT_TENANT, ensureTenant } from '../app/index.js';
import { ensureKnowledgeBase } from '../knowledge/index.js';
import { collectFiles } from './collect-files.js';
import { commandContext } from './command-context.js';
import { ingestFiles } from './ingest-files.js';

export async function serveCommand(options: { port?: string; host?: string; docs?: string }): Promise<void> {
  const { config, log } = commandContext({ PARLEY_PORT: options.port, PARLEY_HOST: options.host });
  const serverLog = log.child({}, { level: config.server.logLevel });
  // Read by V8 at every full collection, so it applies from here on (before the workers start).
  if (config.server.heapGrowthPercent > 0) {
    v8.setFlagsFromString(`--heap-growing-percent=${config.server.heapGrowthPercent}`);
  }
  const runtime = await createRuntime(config, serverLog, { runJobs: true });
  try {
    if (options.docs) {
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
    if (!(await runtime.keys.anyKeyExists())) {
      serverLog.warn('no API key exists: only loopback clients are served, as tenant "default"');
    }
    process.stderr.write(`parley: serving on ${address}\n`);

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      serverLog.info({ signal }, 'shutting down: draining requests and streams');
      await parley.close();
      await runtime.close();
      serverLog.info('stopped');
      serverLog.flush();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
