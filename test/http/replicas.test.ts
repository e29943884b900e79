// Two replicas on one PostgreSQL database (two runtimes, as two processes would be): a document
// deleted through one is no longer cited by the other, though the other had it in
// its in-memory keyword index (or searched the database for it), its retrieval cache and its
// answer cache, once the other's poll of the tenant's search generation (every 250 ms) has caught up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createApp, createRuntime, type ParleyApp, type Runtime } from '../../src/app/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { ingestDocuments, OTHER_TENANT_ROCKETS, QUESTION, RETURNS, TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { eventually, useTestServer } from '../support/test-backend.js';

interface Answer {
  answer: string;
  citations: { title: string }[];
  mode: string;
}

/** A second runtime on the test server's PostgreSQL schema, as another process would be. */
function useReplicaOf(server: ReturnType<typeof useTestServer>) {
  const replica = {} as { runtime: Runtime; app: ParleyApp };
  beforeAll(async () => {
    const [row] = await server.runtime.db.query<{ schema: string }>('select current_schema() as schema');
    replica.runtime = await createRuntime(server.config, createLogger('silent'), {
      schema: row!.schema,
      runJobs: true,
    });
    replica.app = await createApp(replica.runtime);
  });
  afterAll(async () => {
    await replica.app?.close();
    await replica.runtime?.close();
  });
  return replica;
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
    const replica = useReplicaOf(a);
    const other = () => replica.runtime;
    const b = () => replica.app;

    // Within the keyword index's poll (250 ms) and one catch-up: checked as behaviour here, with no
    // timing bound (a timed test would fail on a loaded machine); well inside the caches' lifetimes.
    it('is no longer cited there once its poll has caught up', async () => {
      const { documentIds } = await ingestDocuments(a, [TIDES, RETURNS, OTHER_TENANT_ROCKETS]);
      const ask = () =>
        call<Answer>(b().app, { method: 'POST', url: '/v1/chat', payload: { message: QUESTION } });
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
      expect(other().keywordIndex.status().fresh_tenants).toBe(shape === 'held in memory' ? 1 : 0);

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

// A user erased through one replica: the other stops answering from the answers that user's
// turns left in its answer cache (and forgets their questions), once its poll has caught up.
describe('a user erased through another replica', () => {
  const a = useTestServer('postgres', { PARLEY_ANSWER_CACHE_SECONDS: '600' });
  const replica = useReplicaOf(a);
  const b = () => replica.app;

  it("answers afresh there once the erasure is seen, no longer from the user's cached answer", async () => {
    await ingestDocuments(a, [TIDES]);
    const admin = await createApiKey(a.runtime.db, 'default', { scopes: ['admin'] });
    const asUser = (user: string) => ({ authorization: `Bearer ${admin.key}`, 'parley-user': user });
    const ask = (user: string) =>
      call<Answer>(b().app, {
        method: 'POST',
        url: '/v1/chat',
        headers: asUser(user),
        payload: { message: QUESTION },
      });
    // Carol's question is answered on B, then answered again from B's cache (for anyone).
    await eventually(async () => ((await ask('carol')).body.citations?.length ? true : undefined));
    await eventually(async () => ((await ask('dave')).body.mode === 'cached' ? true : undefined));

    const erased = await call(a.parley.app, {
      method: 'DELETE',
      url: '/v1/users/carol',
      headers: asUser('carol'),
    });
    expect(erased.status).toBe(403); // acting for carol is not an administrator's erasure
    const done = await call(a.parley.app, {
      method: 'DELETE',
      url: '/v1/users/carol',
      headers: { authorization: `Bearer ${admin.key}` },
    });
    expect(done.status).toBe(200);
    await eventually(async () => ((await ask('dave')).body.mode === 'cached' ? undefined : true), 5_000);
  });
});

// A curated answer and an HTTP tool defined through one replica: the other uses them once its poll
// of the tenant's bot generation (bumped by triggers on curated_answers and tools) has seen the
// change, though its caches of both were filled a moment before (their lifetime is 5 s).
describe('a curated answer and an HTTP tool defined through another replica', () => {
  const a = useTestServer('postgres', { PARLEY_TOOL_HOSTS: '127.0.0.1' });
  const replica = useReplicaOf(a);
  const other = () => replica.runtime;

  it('are used there once its poll has seen the change', async () => {
    const question = 'Who services the brindlewick gasket?';
    const ask = () =>
      call<Answer>(replica.app.app, { method: 'POST', url: '/v1/chat', payload: { message: question } });
    // B has read the bot (its generation known), the curated answers and the tools: none yet.
    expect((await ask()).body.mode).not.toBe('curated');
    const [{ id: tenant }] = (await a.runtime.db.query<{ id: string }>(
      "select id from tenants where name = 'default'",
    )) as [{ id: string }];
    expect(await other().httpTools.list(tenant)).toEqual([]);
    await other().bots.poll();

    const curated = await call(a.parley.app, {
      method: 'POST',
      url: '/v1/bots/parley/curated-answers',
      payload: { question, answer: 'The reactor crew, every spring.' },
    });
    expect(curated.status).toBe(201);
    const tool = await call(a.parley.app, {
      method: 'PUT',
      url: '/v1/tools/get_weather',
      payload: {
        description: 'Current weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        url: 'http://127.0.0.1:9/weather/{city}',
      },
    });
    expect(tool.status).toBe(201);

    await other().bots.poll();
    expect((await ask()).body).toMatchObject({ mode: 'curated', answer: 'The reactor crew, every spring.' });
    expect((await other().httpTools.list(tenant)).map((listed) => listed.name)).toEqual(['get_weather']);
  });
});
