// The in-memory keyword index in front of the database: it answers like the database, stays
// scoped by tenant and knowledge base, never serves a change this process knows of late, catches
// up with changes made behind its back (the search_generations trigger), and hands tenants that do
// not fit its budget to the database. On both backends (the trigger is relational behaviour).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTenant } from '../../src/app/index.js';
import { ensureKnowledgeBase, type SearchOptions } from '../../src/knowledge/index.js';
import { call } from '../support/http.js';
import {
  BACKENDS,
  eventually,
  ingestText,
  startTestServer,
  type TestServer,
} from '../support/test-backend.js';

const DOCS = [
  ['Cats', 'Cats purr when content and sleep most of the day in warm sunny spots. A cat grooms its fur.'],
  ['Rockets', 'A rocket engine burns propellant to produce thrust and lift a payload into orbit.'],
  ['Bread', 'Sourdough bread rises with wild yeast and lactic bacteria over a long fermentation.'],
  ['Tides', 'Tides rise and fall twice a day as the moon pulls on the oceans of the earth.'],
] as const;

describe.each(BACKENDS)('in-memory keyword index on %s', (kind) => {
  let server: TestServer;
  let tenantId: string;
  let kbId: string;
  let otherTenant: string;
  const documents = new Map<string, string>();

  const search = async (query: string, tenant = tenantId, extra: Partial<SearchOptions> = {}) => {
    const options: SearchOptions = { tenantId: tenant, topK: 5, ...extra };
    const { chunks: found, keywordIndex } = await server.runtime.keywordIndex.search(query, options);
    return { titles: found.map((chunk) => chunk.title), index: keywordIndex, found };
  };

  beforeAll(async () => {
    server = await startTestServer(kind);
    const db = server.runtime.db;
    tenantId = await ensureTenant(db, 'default');
    kbId = await ensureKnowledgeBase(db, tenantId);
    otherTenant = await ensureTenant(db, 'other');
    const otherKb = await ensureKnowledgeBase(db, otherTenant);
    for (const [title, text] of DOCS) {
      const outcome = await server.runtime.ingestion.ingestNow({
        tenantId,
        kbId,
        bytes: Buffer.from(text),
        format: 'text',
        title,
      });
      documents.set(title, outcome.documentId);
    }
    await server.runtime.ingestion.ingestNow({
      tenantId: otherTenant,
      kbId: otherKb,
      bytes: Buffer.from('Secret rocket plans: the rocket payload reaches orbit on liquid propellant.'),
      format: 'text',
      title: 'Other tenant rockets',
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers from memory as the database does, scoped by tenant and knowledge base', async () => {
    expect(await server.runtime.keywordIndex.warm(tenantId)).toBe(true);
    const memory = await search('how does a rocket reach orbit?');
    expect(memory.index).toBe('memory');
    expect(memory.titles[0]).toBe('Rockets');
    expect(memory.titles).not.toContain('Other tenant rockets');
    expect(memory.found[0]?.signals).toHaveProperty(server.runtime.keywordIndex.name);
    expect(memory.found[0]?.text).toContain('propellant');

    // The database's own ranking finds the same best passage.
    const { chunks: fromDatabase } = await server.runtime.retriever.search('how does a rocket reach orbit?', {
      tenantId,
      topK: 5,
    });
    expect(fromDatabase[0]?.title).toBe('Rockets');

    // Stemming: "grooming" and "groom" meet in the same term; stop words alone match nothing.
    expect((await search('grooming')).titles).toEqual(['Cats']);
    expect((await search('the and of')).titles).toEqual([]);

    // Another tenant sees only its own chunks, from a copy of its own.
    expect(await server.runtime.keywordIndex.warm(otherTenant)).toBe(true);
    const other = await search('rocket orbit', otherTenant);
    expect(other.index).toBe('memory');
    expect(other.titles).toEqual(['Other tenant rockets']);

    // A knowledge base filter is honoured in memory.
    expect((await search('rocket', tenantId, { knowledgeBaseIds: ['no-such-kb'] })).titles).toEqual([]);
    expect((await search('rocket', tenantId, { knowledgeBaseIds: [kbId] })).titles).toEqual(['Rockets']);

    const ready = await call<{ retrieval: { keyword_memory: { tenants: number; chunks: number } } }>(
      server.parley.app,
      { method: 'GET', url: '/readyz' },
    );
    expect(ready.body.retrieval.keyword_memory.tenants).toBe(2);
    expect(ready.body.retrieval.keyword_memory.chunks).toBe(DOCS.length + 1);
  });

  it('never serves a deleted document once the delete has answered', async () => {
    expect(await server.runtime.keywordIndex.warm(tenantId)).toBe(true);
    expect((await search('sourdough')).titles).toEqual(['Bread']);
    const deleted = await call(server.parley.app, {
      method: 'DELETE',
      url: `/v1/documents/${documents.get('Bread')}`,
    });
    expect(deleted.status).toBe(204);
    // At once: the copy is stale, so the database answers until it has caught up.
    expect((await search('sourdough')).titles).toEqual([]);
    expect(await server.runtime.keywordIndex.warm(tenantId)).toBe(true);
    const after = await search('sourdough');
    expect(after).toMatchObject({ titles: [], index: 'memory' });
  });

  it('catches up with a change made behind its back (another process), within the poll', async () => {
    expect(await server.runtime.keywordIndex.warm(tenantId)).toBe(true);
    expect((await search('moon tides')).titles).toEqual(['Tides']);
    // As a CLI process or another replica would: straight to the database, no invalidation here.
    await server.runtime.db.query('delete from documents where id = $1', [documents.get('Tides')]);
    await eventually(async () => {
      const now = await search('moon tides');
      return now.index === 'memory' && now.titles.length === 0 ? true : undefined;
    }, 10_000);
  });
});

describe('in-memory keyword index over its budget', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { PARLEY_KEYWORD_MEMORY_CHUNKS: '2' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('leaves a tenant that does not fit to the database, which still answers', async () => {
    let tenantId = '';
    for (const [title, text] of DOCS)
      ({ tenantId } = await ingestText(server, { title, text, format: 'text' }));
    expect(await server.runtime.keywordIndex.warm(tenantId)).toBe(false);
    const options: SearchOptions = { tenantId, topK: 3 };
    const found = await server.runtime.keywordIndex.search('rocket propellant', options);
    expect(found.keywordIndex).toBe('database');
    expect(found.chunks[0]?.title).toBe('Rockets');
    expect(server.runtime.keywordIndex.status()).toMatchObject({ chunks: 0, max_chunks: 2 });
  });
});
