// The ingest pool's worker threads: an idle one is stopped (its isolate holds tens of MiB the
// server does not use between uploads), and the next task starts a new one.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestPool } from './ingest-pool.js';

// Nothing listens on port 1: a job task fails at its first query, inside the worker.
const unreachable = { host: '127.0.0.1', port: 1, connectionTimeoutMillis: 1_000 };
const jobTask = {
  type: 'job' as const,
  jobId: '00000000-0000-0000-0000-000000000000',
  tenantId: 'default',
  documentId: '00000000-0000-0000-0000-000000000000',
  format: 'markdown' as const,
};

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

describe('IngestPool', () => {
  let pool: IngestPool | undefined;
  afterEach(async () => {
    await pool?.close();
  });

  it('stops a worker left idle and starts a new one for the next task', async () => {
    pool = new IngestPool(2, unreachable, 300);
    expect(pool.threads).toBe(0);
    await expect(pool.run(jobTask)).rejects.toThrow(/ECONNREFUSED|connect/);
    expect(pool.threads).toBe(1);
    // Stopped 300 ms after it went idle; the deadline is only for a worker that is never stopped.
    expect(await until(() => pool!.threads === 0, 60_000)).toBe(true);

    // The work reaches a worker again (the error is the worker's, not the pool's).
    await expect(pool.run(jobTask)).rejects.toThrow(/ECONNREFUSED|connect/);
    expect(pool.threads).toBe(1);
  });
});
