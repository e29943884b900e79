// What the row-level security wall costs a request: the same tenant-scoped read (one document by
// id, as GET /v1/documents/{id} does) run plain and under the wall, interleaved, one at a time.
// Usage: npx tsx bench/row-security.ts [--queries N]   (DATABASE_URL set: that server; else embedded)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTenant } from '../src/app/index.js';
import { loadConfig } from '../src/config/index.js';
import { percentile } from '../src/eval/index.js';
import { ensureKnowledgeBase } from '../src/knowledge/index.js';
import { openDatabase } from '../src/storage/index.js';
import { createLogger } from '../src/telemetry/index.js';

const { values } = parseArgs({ options: { queries: { type: 'string', default: '2000' } } });
const queries = Number(values.queries);
const dataRoot = await mkdtemp(path.join(tmpdir(), 'parley-rls-bench-'));
const schema = process.env.DATABASE_URL ? `rls_bench_${process.pid}` : undefined;
const db = await openDatabase(
  loadConfig({ ...process.env, PARLEY_DATA_DIR: dataRoot }).storage,
  createLogger('silent'),
  {
    schema,
  },
);
try {
  if (!db.rowSecurity) throw new Error('row-level security is not available on this database');
  const tenants = await Promise.all(['rls-a', 'rls-b'].map((name) => ensureTenant(db, name)));
  for (const tenantId of tenants) {
    const kbId = await ensureKnowledgeBase(db, tenantId);
    await db.query(
      `insert into documents(id, tenant_id, kb_id, source_key, title)
       select $1 || i, $1, $2, 'doc' || i, 'Document ' || i from generate_series(1, 1000) i`,
      [tenantId, kbId],
    );
  }
  const tenantId = tenants[0]!;
  const read = `select id, title, status from documents where tenant_id = $1 and id = $2`;
  const plain: number[] = [];
  const walled: number[] = [];
  const scoped = db.forTenant(tenantId);
  for (let i = 0; i < queries + 200; i++) {
    const params = [tenantId, `${tenantId}${(i % 1000) + 1}`];
    for (const [runner, times] of [
      [db, plain],
      [scoped, walled],
    ] as const) {
      const started = performance.now();
      const rows = await runner.query(read, params);
      if (rows.length !== 1) throw new Error('the document was not read');
      if (i >= 200) times.push(performance.now() - started); // the first 200 warm up
    }
  }
  const line = (name: string, times: number[]) => {
    times.sort((a, b) => a - b);
    return `| ${name} | ${percentile(times, 0.5).toFixed(3)} | ${percentile(times, 0.99).toFixed(3)} |`;
  };
  process.stdout.write(
    `${db.kind}, ${queries} reads each, interleaved, one at a time (ms)\n\n| read | p50 | p99 |\n| --- | --- | --- |\n` +
      `${line('plain (owner)', plain)}\n${line('under row-level security', walled)}\n`,
  );
} finally {
  if (schema) await db.query(`drop schema ${schema} cascade`);
  await db.close();
  await rm(dataRoot, { recursive: true, force: true });
}
