// A job interrupted by a crash (left 'running' with its upload) is resumed at the next start,
// or failed visibly once it has used all its attempts.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createRuntime, ensureTenant } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';
import { ensureKnowledgeBase } from '../../src/knowledge/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { BACKENDS, eventually, prepareDataDir } from '../support/test-backend.js';

describe.each(BACKENDS)('job recovery on %s', (kind) => {
  it('resumes an interrupted job after a restart and fails one that is out of attempts', async () => {
    const dataDir = await prepareDataDir();
    const schema = kind === 'postgres' ? `t_${randomUUID().replaceAll('-', '').slice(0, 12)}` : undefined;
    const config = loadConfig({
      PARLEY_DATA_DIR: dataDir,
      ...(kind === 'postgres' ? { DATABASE_URL: inject('databaseUrl') } : {}),
    });
    const log = createLogger('silent');
    try {
      // First life: the process accepted two uploads and "crashed" while running them.
      const first = await createRuntime(config, log, { schema });
      const tenantId = await ensureTenant(first.db, 'default');
      const kbId = await ensureKnowledgeBase(first.db, tenantId);
      const resumable = await first.ingestion.submit({
        tenantId,
        kbId,
        bytes: Buffer.from('# Resumed\n\nThis upload survived a crash of the server.'),
        format: 'markdown',
        title: 'Resumed',
      });
      const exhausted = await first.ingestion.submit({
        tenantId,
        kbId,
        bytes: Buffer.from('# Exhausted\n\nThis one crashed the server three times.'),
        format: 'markdown',
        title: 'Exhausted',
      });
      await first.db.query(
        `update jobs set status = 'running', attempts = 1, heartbeat_at = now() - interval '1 hour' where id = $1`,
        [resumable.jobId],
      );
      await first.db.query(
        `update jobs set status = 'running', attempts = 3, heartbeat_at = now() - interval '1 hour' where id = $1`,
        [exhausted.jobId],
      );
      await first.close();

      // Second life: the runner starts and recovers them.
      const second = await createRuntime(config, log, { schema, runJobs: true });
      try {
        const jobs = await eventually(async () => {
          const rows = await second.db.query<{
            id: string;
            status: string;
            error: string | null;
            attempts: number;
          }>('select id, status, error, attempts from jobs where id = any($1)', [
            [resumable.jobId, exhausted.jobId],
          ]);
          return rows.every((row) => row.status === 'succeeded' || row.status === 'failed')
            ? rows
            : undefined;
        });
        const byId = new Map(jobs.map((job) => [job.id, job]));
        expect(byId.get(resumable.jobId)).toMatchObject({ status: 'succeeded', attempts: 2 });
        expect(byId.get(exhausted.jobId)?.status).toBe('failed');
        expect(byId.get(exhausted.jobId)?.error).toMatch(/interrupted/);
        const docs = await second.db.query<{ title: string; status: string }>(
          'select title, status from documents where id = $1',
          [resumable.documentId],
        );
        expect(docs[0]).toEqual({ title: 'Resumed', status: 'ready' });
        const failedDoc = await second.db.query<{ status: string }>(
          'select status from documents where id = $1',
          [exhausted.documentId],
        );
        expect(failedDoc[0]?.status).toBe('failed');
      } finally {
        await second.close();
      }
    } finally {
      if (schema) {
        const client = new pg.Client({ connectionString: inject('databaseUrl') });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`);
        await client.end();
      }
      await rm(path.dirname(dataDir), { recursive: true, force: true });
    }
  });
});
