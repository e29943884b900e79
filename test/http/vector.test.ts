// Hybrid retrieval with PARLEY_EMBEDDINGS: the real AI SDK client against the stub provider,
// pgvector on PGlite; keyword-only with a clear note where pgvector is missing (the server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTenant } from '../../src/app/index.js';
import { ensureKnowledgeBase } from '../../src/knowledge/index.js';
import { EmbeddingBackfill } from '../../src/knowledge/ingest/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { call } from '../support/http.js';
import { type StubProvider, startStubProvider } from '../support/stub-provider/index.js';
import { eventually, startTestServer, type TestServer } from '../support/test-backend.js';

const DOCS = [
  ['Cats', 'Cats purr when content and sleep most of the day in warm sunny spots.'],
  ['Rockets', 'A rocket engine burns propellant to produce thrust and lift a payload into orbit.'],
  ['Bread', 'Sourdough bread rises with wild yeast and lactic bacteria over a long fermentation.'],
] as const;

describe('hybrid retrieval on pglite', () => {
  let stub: StubProvider;
  let server: TestServer;
  beforeAll(async () => {
    stub = await startStubProvider();
    server = await startTestServer('pglite', {
      PARLEY_EMBEDDINGS: 'openai:text-embedding-3-small',
      OPENAI_BASE_URL: stub.url,
      OPENAI_API_KEY: 'test-key',
    });
  });
  afterAll(async () => {
    await server?.close();
    await stub?.close();
  });

  it('embeds chunks in the background and fuses vector and keyword rankings, scoped by tenant', async () => {
    const ready = await call<{ retrieval: { mode: string; vector: boolean; dimensions: number } }>(
      server.parley.app,
      {
        method: 'GET',
        url: '/readyz',
      },
    );
    expect(ready.body.retrieval).toMatchObject({ mode: 'hybrid', vector: true });
    expect(ready.body.retrieval.dimensions).toBeGreaterThan(0);

    const db = server.runtime.db;
    const tenantId = await ensureTenant(db, 'default');
    const kbId = await ensureKnowledgeBase(db, tenantId);
    const other = await ensureTenant(db, 'other');
    const otherKb = await ensureKnowledgeBase(db, other);
    for (const [title, text] of DOCS) {
      await server.runtime.ingestion.ingestNow({
        tenantId,
        kbId,
        bytes: Buffer.from(text),
        format: 'text',
        title,
      });
    }
    await server.runtime.ingestion.ingestNow({
      tenantId: other,
      kbId: otherKb,
      bytes: Buffer.from('Rocket thrust payload orbit rocket engine propellant.'),
      format: 'text',
      title: 'Secret rockets',
    });
    server.runtime.embeddings?.poke();
    await eventually(async () => ((await server.runtime.embeddings?.pending()) === 0 ? true : undefined));
    const stored = await db.query<{ n: number }>('select count(*) as n from chunk_embeddings');
    expect(stored[0]?.n).toBe(4);
    // Walled like the other tenant tables: another tenant's scope sees none of these vectors.
    expect(await db.forTenant('someone-else').query('select chunk_id from chunk_embeddings')).toEqual([]);

    const before = stub.requests.length;
    const { chunks: found } = await server.runtime.retriever.search('how does a rocket reach orbit', {
      tenantId,
      topK: 3,
    });
    expect(stub.requests.length).toBe(before + 1); // the query embedding
    expect(found[0]?.title).toBe('Rockets');
    expect(Object.keys(found[0]?.signals ?? {}).sort()).toEqual(['bm25', 'vector']);
    expect(found.some((chunk) => chunk.title === 'Secret rockets')).toBe(false);
  });

  it('keeps answering from keyword search when the embedding provider fails', async () => {
    stub.failNext({ status: 500, times: 10 });
    const response = await call<{ turn_id: string; citations: { title: string }[] }>(server.parley.app, {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'sourdough fermentation' },
    });
    expect(response.status).toBe(200);
    expect(response.body.citations[0]?.title).toBe('Bread');
    stub.reset();
    const trace = await eventually(async () => {
      const found = await call<{ degraded: { retriever: string }[] }>(server.parley.app, {
        method: 'GET',
        url: `/v1/turns/${response.body.turn_id}/trace`,
      });
      return found.status === 200 ? found.body : undefined;
    });
    expect(trace.degraded.map((failure) => failure.retriever)).toEqual(['vector']);
  });

  it('backfills in id order and still finds a chunk left behind its cursor', async () => {
    await server.runtime.embeddings?.stop(); // this test drives a backfill of its own
    const db = server.runtime.db;
    const { dimensions } = (
      await call<{ retrieval: { dimensions: number } }>(server.parley.app, {
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
    const stub = await startStubProvider();
    const server = await startTestServer('postgres', {
      PARLEY_EMBEDDINGS: 'openai:text-embedding-3-small',
      OPENAI_BASE_URL: stub.url,
      OPENAI_API_KEY: 'test-key',
    });
    try {
      const ready = await call<{ retrieval: { mode: string; note: string } }>(server.parley.app, {
        method: 'GET',
        url: '/readyz',
      });
      expect(ready.body.retrieval.mode).toBe('keyword-only');
      expect(ready.body.retrieval.note).toMatch(/pgvector/);
    } finally {
      await server.close();
      await stub.close();
    }
  });
});
