// Two replicas on one PostgreSQL database (two runtimes, as two processes would be): a document
// deleted through one is no longer cited by the other, though the other had it in
// its in-memory keyword index (or searched the database for it), its retrieval cache and its
// answer cache, once the other's poll of the tenant's search generation (every 250 ms) has caught up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createRuntime, type ParleyApp, type Runtime } from '../../src/app/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { ingestDocuments, OTHER_TENANT_ROCKETS, QUESTION, RETURNS, TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { eventually, useTestServer } from '../support/test-backend.js';

interface Answer {
  answer: string;
  citations: { title: string }[];
  mode: string;
}

// Both ways a replica searches: from its in-memory keyword index, and from the database for a
// tenant too large to copy (a limit of one chunk makes every tenant so), where only the poll of the
// generation keeps its caches honest.
for (const [shape, env] of [
  ['held in memory', {}],
  // Three documents of one chunk each: over a limit of one, before the deletion and after.
  ['too large for memory', { PARLEY_KEYWORD_MEMORY_CHUNKS: '1' }],
] as const) {
  describe(`a document deleted through another replica (tenant ${shape})`, () => {
    // The answer cache on: a question asked again is answered from it, until the knowledge changes.
    const a = useTestServer('postgres', { PARLEY_ANSWER_CACHE_SECONDS: '600', ...env });
    let other: Runtime;
    let b: ParleyApp;
    beforeAll(async () => {
      const [row] = await a.runtime.db.query<{ schema: string }>('select current_schema() as schema');
      other = await createRuntime(a.config, createLogger('silent'), { schema: row!.schema, runJobs: true });
      b = await createApp(other);
    });
    afterAll(async () => {
      await b?.close();
      await other?.close();
    });

    // Within the keyword index's poll (250 ms) and one catch-up: checked as behaviour here, with no
    // timing bound (a timed test would fail on a loaded machine); well inside the caches' lifetimes.
    it('is no longer cited there once its poll has caught up', async () => {
      const { documentIds } = await ingestDocuments(a, [TIDES, RETURNS, OTHER_TENANT_ROCKETS]);
      const ask = () =>
        call<Answer>(b.app, { method: 'POST', url: '/v1/chat', payload: { message: QUESTION } });
      // B answers from it, then again from its caches.
      await eventually(async () =>
        (await ask()).body.citations?.some((c) => c.title === 'Tides') ? true : undefined,
      );
      const again = await eventually(async () => {
        const answer = await ask();
        return answer.body.mode === 'cached' ? answer.body : undefined;
      });
      expect(again.citations.map((citation) => citation.title)).toContain('Tides');
      // Searched from its copy, or from the database for a tenant too large to copy.
      expect(other.keywordIndex.status().fresh_tenants).toBe(shape === 'held in memory' ? 1 : 0);

      const deleted = await call(a.parley.app, { method: 'DELETE', url: `/v1/documents/${documentIds[0]}` });
      expect(deleted.status).toBe(204);
      const after = await eventually(async () => {
        const answer = await ask();
        return answer.body.citations.some((citation) => citation.title === 'Tides') ? undefined : answer.body;
      }, 5_000);
      expect(after.mode).not.toBe('cached');
    });
  });
}
