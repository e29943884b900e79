import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { getTrace, saveTurns } from '../../src/orchestrator/conversation-store.js';
import { openDatabase } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { prepareDataDir, useScratchSchema } from '../support/test-backend.js';

// A turn's trace is written on every turn; pglz, PostgreSQL's default compression, cost about a
// quarter of the write's CPU (docs/benchmarks.md, "A turn's write"). Migration 28 stores it with
// lz4 where the server has it, uncompressed where it does not (the embedded database).
describe("a turn's trace", () => {
  const schema = useScratchSchema();

  it('is stored with lz4 on PostgreSQL and uncompressed on the embedded database, and reads back whole', async () => {
    const backends = [
      { name: 'postgres', env: { DATABASE_URL: inject('databaseUrl') }, expected: 'lz4' },
      { name: 'embedded', env: { PARLEY_DATA_DIR: await prepareDataDir() }, expected: null },
    ];
    for (const backend of backends) {
      const db = await openDatabase(
        loadConfig(backend.env).storage,
        createLogger('silent'),
        backend.env.DATABASE_URL ? { schema } : {},
      );
      try {
        const tenantId = `t-${randomUUID()}`;
        await db.query('insert into tenants(id, name) values ($1, $1)', [tenantId]);
        // A prompt like a real one: passages that pglz would compress well.
        const passage = 'Register the plugin with fastify.register and pass its options. '.repeat(40);
        const trace = {
          mode: 'generated',
          prompt: { system: 'Answer from the passages.', messages: [passage] },
        };
        const turnId = randomUUID();
        const at = new Date();
        await saveTurns(db, [
          {
            tenantId,
            botId: 'parley',
            conversationId: randomUUID(),
            turnId,
            user: { id: randomUUID(), content: 'How do I register a plugin?', at },
            assistant: { id: randomUUID(), content: 'With register [1].', citations: [], usage: {}, at },
            trace,
            state: 'active',
          },
        ]);
        const [row] = await db.query<{ compression: string | null; bytes: number }>(
          'select pg_column_compression(trace) as compression, pg_column_size(trace) as bytes from turn_traces where turn_id = $1',
          [turnId],
        );
        expect({ backend: backend.name, compression: row!.compression }).toEqual({
          backend: backend.name,
          compression: backend.expected,
        });
        // Uncompressed, the stored value is at least the text's size; with lz4, far smaller.
        if (backend.expected === null) expect(row!.bytes).toBeGreaterThan(passage.length);
        else expect(row!.bytes).toBeLessThan(passage.length / 4);
        expect(await getTrace(db, tenantId, turnId)).toEqual(trace);
      } finally {
        await db.close();
      }
    }
  });
});
