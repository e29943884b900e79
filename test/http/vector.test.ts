// Hybrid retrieval with PARLEY_EMBEDDINGS: the real AI SDK client against the stub provider,
// pgvector on PGlite; keyword-only with a clear note where pgvector is missing (the server).
import { describe, expect, it } from 'vitest';
import { EmbeddingBackfill } from '../../src/knowledge/ingest/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { startChatFixture, useChatFixture } from '../support/chat-fixture.js';
import { ingestDocuments, OTHER_TENANT_ROCKETS, TOPICS } from '../support/documents.js';
import { call } from '../support/http.js';
import { eventually } from '../support/test-backend.js';

/** Cats, Rockets and Bread. */
const DOCS = TOPICS.slice(0, 3);
const EMBEDDINGS = { PARLEY_EMBEDDINGS: 'openai:text-embedding-3-small' };

describe('hybrid retrieval on pglite', () => {
  const t = useChatFixture({ env: EMBEDDINGS, documents: [] });

  it('embeds chunks in the background and fuses vector and keyword rankings, scoped by tenant', async () => {
    const ready = await call<{ retrieval: { mode: string; vector: boolean; dimensions: number } }>(t.app, {
      method: 'GET',
      url: '/readyz',
    });
    expect(ready.body.retrieval).toMatchObject({ mode: 'hybrid', vector: true });
    expect(ready.body.retrieval.dimensions).toBeGreaterThan(0);

    const db = t.server.runtime.db;
    const { tenantId } = await ingestDocuments(t.server, DOCS);
    await ingestDocuments(t.server, [OTHER_TENANT_ROCKETS], 'other');
    t.server.runtime.embeddings?.poke();
    await eventually(async () => ((await t.server.runtime.embeddings?.pending()) === 0 ? true : undefined));
    const stored = await db.query<{ n: number }>('select count(*) as n from chunk_embeddings');
    expect(stored[0]?.n).toBe(4);
    // Walled like the other tenant tables: another tenant's scope sees none of these vectors.
    expect(await db.forTenant('someone-else').query('select chunk_id from chunk_embeddings')).toEqual([]);

    const before = t.stub.requests.length;
    const { chunks: found } = await t.server.runtime.retriever.search('how does a rocket reach orbit', {
      tenantId,
      topK: 3,
    });
    expect(t.stub.requests.length).toBe(before + 1); // the query embedding
    expect(found[0]?.title).toBe('Rockets');
    expect(Object.keys(found[0]?.signals ?? {}).sort()).toEqual(['bm25', 'vector']);
    expect(found.some((chunk) => chunk.title === OTHER_TENANT_ROCKETS.title)).toBe(false);
  });

  it('keeps answering from keyword search when the embedding provider fails', async () => {
    t.stub.failNext({ status: 500, times: 10 });
    const response = await call<{ turn_id: string; citations: { title: string }[] }>(t.app, {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'sourdough fermentation' },
    });
    expect(response.status).toBe(200);
    expect(response.body.citations[0]?.title).toBe('Bread');
    t.stub.reset();
    const trace = await eventually(async () => {
      const found = await call<{ degraded: { retriever: string }[] }>(t.app, {
        method: 'GET',
        url: `/v1/turns/${response.body.turn_id}/trace`,
      });
      return found.status === 200 ? found.body : undefined;
    });
    expect(trace.degraded.map((failure) => failure.retriever)).toEqual(['vector']);
  });

  it('backfills in id order and still finds a chunk left behind its cursor', async () => {
    await t.server.runtime.embeddings?.stop(); // this test drives a backfill of its own
    const db = t.server.runtime.db;
    const { dimensions } = (
      await call<{ retrieval: { dimensions: number } }>(t.app, {
        method: 'GET',
        url: '/readyz',
      })
    ).body.retrieval;
    const embedded: number[][] = [];
    const backfill = new EmbeddingBackfill(
      db,
      {
        modelId: (await db.query<{ model: string }>('select model from chunk_embeddings limit 1'))[0]!.model,
        async embed(texts) {
          embedded.push(texts.map((text) => text.length));
          return texts.map(() => Array.from({ length: dimensions }, (_, index) => (index === 0 ? 1 : 0)));
        },
      },
      createLogger('silent'),
    );
    const ids = (await db.query<{ id: number }>('select id from chunks order by id')).map((row) => row.id);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect(await backfill.step()).toBe(0); // every chunk has its embedding: one full pass, nothing

    // The last chunk loses its embedding: a pass takes it, and the cursor now stands at it.
    await db.query('delete from chunk_embeddings where chunk_id = $1', [ids.at(-1)]);
    expect(await backfill.step()).toBe(1);
    // The first one loses it too (a chunk committed behind the cursor, by a slower transaction):
    // the pass past the cursor finds nothing, the pass from the start finds it.
    await db.query('delete from chunk_embeddings where chunk_id = $1', [ids[0]]);
    expect(await backfill.step()).toBe(1);
    expect(await backfill.step()).toBe(0);
    expect(await backfill.pending()).toBe(0);
    expect(embedded).toHaveLength(2);
  });
});

describe('embeddings configured on a PostgreSQL server without pgvector', () => {
  it('starts keyword-only and says so in /readyz', async () => {
    const fixture = await startChatFixture({ kind: 'postgres', env: EMBEDDINGS, documents: [] });
    try {
      const ready = await call<{ retrieval: { mode: string; note: string } }>(fixture.app, {
        method: 'GET',
        url: '/readyz',
      });
      expect(ready.body.retrieval.mode).toBe('keyword-only');
      expect(ready.body.retrieval.note).toMatch(/pgvector/);
    } finally {
      await fixture.close();
    }
  });
});
