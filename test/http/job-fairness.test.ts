// Ingestion's fair share: the next job claimed is the oldest of the tenant with the fewest jobs
// running, so one tenant's pile of uploads cannot keep another's document waiting behind it.
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createRuntime, ensureTenant } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';
import { ensureKnowledgeBase } from '../../src/knowledge/index.js';
import { claimJob } from '../../src/knowledge/ingest/job-queue.js';
import { createLogger } from '../../src/telemetry/index.js';
import { BACKENDS, prepareDataDir } from '../support/test-backend.js';

describe.each(BACKENDS)('job claiming on %s', (kind) => {
  it("takes the waiting tenant's job before the busy tenant's older ones", async () => {
    const dataDir = await prepareDataDir();
    const schema = kind === 'postgres' ? `t_${randomUUID().replaceAll('-', '').slice(0, 12)}` : undefined;
    const config = loadConfig({
      PARLEY_DATA_DIR: dataDir,
      ...(kind === 'postgres' ? { DATABASE_URL: inject('databaseUrl') } : {}),
    });
    // No job runner in this process: the test claims by hand.
    const runtime = await createRuntime(config, createLogger('silent'), { schema });
    try {
      const submit = async (tenant: string, title: string) => {
        const tenantId = await ensureTenant(runtime.db, tenant);
        const kbId = await ensureKnowledgeBase(runtime.db, tenantId);
        const bytes = Buffer.from(`# ${title}\n\nSome text for ${title}.`);
        return runtime.ingestion.submit({ tenantId, kbId, bytes, format: 'markdown', title });
      };
      const busy = [];
      for (let index = 0; index < 4; index++) busy.push(await submit('fair-busy', `Busy ${index}`));
      const waiting = await submit('fair-waiting', 'Waiting');
      const claimed: (string | undefined)[] = [];
      for (let index = 0; index < 3; index++) claimed.push((await claimJob(runtime.db))?.id);
      // The busy tenant's first job (nobody runs anything yet), then the waiting tenant's (it has
      // none running, the busy one has one), then the busy tenant's next.
      expect(claimed).toEqual([busy[0]!.jobId, waiting.jobId, busy[1]!.jobId]);
    } finally {
      await runtime.close();
    }
  });
});
