// `parley ingest PATH...`: ingests files and folders into the default knowledge base with a
// progress bar, then a summary. Bad files are named and skipped; any failure exits non-zero. Each
// document stored or changed is in the tenant's audit log (`document.uploaded`, via `cli`), as an
// upload through the API is.
import cliProgress from 'cli-progress';
import { createRuntime, DEFAULT_TENANT, ensureTenant } from '../app/index.js';
import { recordAudit } from '../edge/index.js';
import { ensureKnowledgeBase } from '../knowledge/index.js';
import { collectFiles } from './collect-files.js';
import { commandContext } from './command-context.js';
import { ingestFiles } from './ingest-files.js';

export async function ingestCommand(paths: string[], options: { tenant: string }): Promise<void> {
  const { config, log } = commandContext();
  const { files, skipped } = await collectFiles(paths);
  if (files.length === 0) {
    process.stderr.write(
      `parley: nothing to ingest in ${paths.join(', ')} (supported: md, txt, html, pdf, docx)\n`,
    );
    process.exitCode = 1;
    return;
  }
  const runtime = await createRuntime(config, log);
  try {
    const tenantId = await ensureTenant(runtime.db, options.tenant ?? DEFAULT_TENANT);
    const kbId = await ensureKnowledgeBase(runtime.db, tenantId);
    const bar = process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format: 'ingesting [{bar}] {value}/{total} {file}', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    bar?.start(files.length, 0, { file: '' });
    const summary = await ingestFiles(runtime.ingestion, { tenantId, kbId }, files, (done, file) => {
      if (bar) bar.update(done, { file: file.split('/').pop() });
      else if (done === files.length || done % 25 === 0)
        process.stderr.write(`ingesting ${done}/${files.length}\n`);
    });
    bar?.stop();
    if (summary.uploaded.length > 0) {
      await runtime.db.forTenant(tenantId).transaction(async (client) => {
        for (const documentId of summary.uploaded) {
          await recordAudit(
            client,
            tenantId,
            { keyId: null, via: 'cli' },
            { action: 'document.uploaded', targetId: documentId },
          );
        }
      });
    }
    for (const failure of summary.failed)
      process.stderr.write(`parley: skipped ${failure.file}: ${failure.reason}\n`);
    if (skipped.length)
      process.stderr.write(`parley: ignored ${skipped.length} files of unsupported types\n`);
    process.stdout.write(
      `ingested ${summary.documents} documents (${summary.unchanged} unchanged), ${summary.chunks} chunks, ` +
        `${summary.failed.length} failed, in ${summary.seconds.toFixed(1)} s\n`,
    );
    if (summary.failed.length) process.exitCode = 1;
  } finally {
    await runtime.close();
  }
}
