// The in-memory keyword index in front of the database: it answers like the database, stays
// scoped by tenant and knowledge base, never serves a change this process knows of late, catches
// up with changes made behind its back (the search_generations trigger), and hands tenants that do
// not fit its budget to the database. On both backends (the trigger is relational behaviour).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KeywordRetriever,
  keywordTerms,
  MemoryKeywordRetriever,
  type SearchOptions,
  searchableText,
} from '../../src/knowledge/index.js';
import { ingestDocuments, OTHER_TENANT_ROCKETS, TOPICS } from '../support/documents.js';
import { call } from '../support/http.js';
import {
  BACKENDS,
  eventually,
  startTestServer,
  type TestServer,
  useTestServer,
} from '../support/test-backend.js';

const DOCS = TOPICS;

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
    // The page opening on (PARLEY_KEYWORD_PAGE_OPENING): it only changes documents of several chunks;
    // link lists out of the search text (PARLEY_KEYWORD_MAX_LINK_DENSITY): no topic has a link.
    server = await startTestServer(kind, {
      PARLEY_KEYWORD_PAGE_OPENING: '2',
      PARLEY_KEYWORD_MAX_LINK_DENSITY: '0.5',
    });
    const ingested = await ingestDocuments(server, DOCS);
    ({ tenantId, kbId } = ingested);
    for (const [index, document] of DOCS.entries()) {
      documents.set(document.title, ingested.documentIds[index]!);
    }
    ({ tenantId: otherTenant } = await ingestDocuments(server, [OTHER_TENANT_ROCKETS], 'other'));
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

  it('reads contractions and snake_case names as the database does, so both rank alike', async () => {
    // The two analyzers read the same words out of the same text.
    for (const text of [
      "Why isn't my hook called? It can't start, don’t panic: the user's plugin",
      'set work_mem, shared_buffers and log_min_duration_statement; FST_ERR_NOT_FOUND',
    ]) {
      const [row] = await server.runtime.db.query<{ lexemes: string[] }>(
        "select tsvector_to_array(to_tsvector('english', $1)) as lexemes",
        [searchableText(text)],
      );
      expect([...new Set(keywordTerms(text))].sort()).toEqual([...(row?.lexemes ?? [])].sort());
    }
    const { tenantId: tenant } = await ingestDocuments(
      server,
      [
        { title: 'Sort memory', text: 'Raise work_mem for large sorts; the planner isn’t told otherwise.' },
        { title: 'Mem tables', text: 'Work on tables held in mem, and the work they do.' },
        { title: 'Isn paper', text: 'The ISN number of a periodical.' },
      ],
      `identifiers-${kind}`,
    );
    expect(await server.runtime.keywordIndex.warm(tenant)).toBe(true);
    const database = new KeywordRetriever(server.runtime.db);
    for (const query of ['work_mem', 'what is work-mem', "isn't it"]) {
      const memory = await search(query, tenant);
      const fromDatabase = await database.search(query, { tenantId: tenant, topK: 5 });
      expect(memory.index).toBe('memory');
      expect(memory.titles).toEqual(fromDatabase.chunks.map((chunk) => chunk.title));
    }
    // The whole name ranks the chunk that holds it first; "isn't" is no search for the term isn.
    expect((await search('work_mem', tenant)).titles[0]).toBe('Sort memory');
    expect((await search("isn't it", tenant)).titles).toEqual([]);
  });

  it('leaves a table of contents out of the search text, in memory as in the database, and keeps it readable', async () => {
    const toc =
      '- [Glaciers carve valleys](glaciers.md)\n- [Volcanoes erupt magma](volcanoes.md)\n- [Tides follow the moon](tides.md)';
    const { tenantId: tenant } = await ingestDocuments(
      server,
      [
        { title: 'Contents', text: `# Contents\n\n${toc}\n\nStart with the overview.` },
        { title: 'Glaciers', text: 'Glaciers carve valleys as the ice moves downhill.' },
      ],
      `links-${kind}`,
    );
    const [contents] = await server.runtime.db.query<{ text: string; search_text: string }>(
      `select c.text, c.search_text from chunks c join documents d on d.id = c.document_id
       where c.tenant_id = $1 and d.title = 'Contents'`,
      [tenant],
    );
    expect(contents?.text).toContain('[Volcanoes erupt magma](volcanoes.md)');
    expect(contents?.search_text).not.toContain('Volcanoes');
    expect(contents?.search_text).toContain('Start with the overview.');

    expect(await server.runtime.keywordIndex.warm(tenant)).toBe(true);
    const database = new KeywordRetriever(server.runtime.db);
    for (const query of ['glaciers carve valleys', 'volcanoes magma']) {
      const memory = await search(query, tenant);
      const fromDatabase = await database.search(query, { tenantId: tenant, topK: 5 });
      expect(memory.index).toBe('memory');
      expect(memory.titles).not.toContain('Contents');
      expect(fromDatabase.chunks.map((chunk) => chunk.title)).not.toContain('Contents');
    }
    expect((await search('glaciers carve valleys', tenant)).titles).toEqual(['Glaciers']);
  });

  it("weighs a page's opening in its later chunks, in memory as in the database", async () => {
    // Sections long enough to be chunks of their own; only the opening says "annotate".
    const filler = (topic: string) =>
      Array.from({ length: 60 }, (_, i) => `The ${topic} table row ${i} lists a column and its width.`).join(
        ' ',
      );
    const { tenantId: tenant } = await ingestDocuments(
      server,
      [
        {
          title: 'blame',
          text: `# blame\n\nAnnotate each line of a file with the commit that last modified it.\n\n## Options\n\n${filler('options')}\n\n## Porcelain format\n\n${filler('porcelain')} Porcelain output for scripts.`,
        },
        {
          title: 'log',
          text: `# log\n\nShow the commit logs.\n\n## Porcelain\n\n${filler('history')} Porcelain output for scripts.`,
        },
      ],
      `opening-${kind}`,
    );
    const rows = await server.runtime.db.query<{ heading_path: string; search_text: string }>(
      'select heading_path, search_text from chunks where tenant_id = $1 order by id',
      [tenant],
    );
    const blame = rows.filter((row) => row.heading_path.startsWith('blame'));
    expect(blame.length).toBeGreaterThan(1);
    // The first chunk holds the opening once (it is its text); every later one twice more.
    const annotate = (text: string) => text.match(/Annotate each line/g)?.length ?? 0;
    expect(annotate(blame[0]!.search_text)).toBe(1);
    for (const later of blame.slice(1)) expect(annotate(later.search_text)).toBe(2);

    expect(await server.runtime.keywordIndex.warm(tenant)).toBe(true);
    const database = new KeywordRetriever(server.runtime.db);
    // The same chunks (the later ones of the blame page match "annotate" through the opening
    // only), and with BM25 in the database the same best one where it is clear (the database's
    // term statistics span every tenant's chunks, so close scores may swap).
    for (const query of ['annotate porcelain output', 'annotate', 'modified lines']) {
      const memory = await search(query, tenant, { topK: 20 });
      const fromDatabase = await database.search(query, { tenantId: tenant, topK: 20 });
      expect(memory.index).toBe('memory');
      const ids = (chunks: { chunkId: number }[]) => chunks.map((chunk) => chunk.chunkId);
      expect(ids(memory.found).sort()).toEqual(ids(fromDatabase.chunks).sort());
      if (server.runtime.db.features.bm25 && query === 'annotate porcelain output')
        expect(memory.found[0]?.chunkId).toBe(fromDatabase.chunks[0]?.chunkId);
    }
    expect((await search('annotate', tenant, { topK: 20 })).found.map((chunk) => chunk.headingPath)).toEqual(
      expect.arrayContaining(['blame > Options', 'blame > Porcelain format']),
    );
    // The page that opens with "annotate" wins the section both pages have, in both rankings.
    const found = await search('annotate porcelain output', tenant);
    expect(found.found[0]?.headingPath).toBe('blame > Porcelain format');
  });

  it('is ready only once the tenants holding chunks at start-up are loaded, then answers from memory', async () => {
    // A fresh process over the same database, as after a restart.
    const restarted = new MemoryKeywordRetriever(server.runtime.db, new KeywordRetriever(server.runtime.db), {
      maxChunks: 10_000,
      bm25: server.config.retrieval.bm25,
    });
    restarted.start(server.runtime.tasks);
    try {
      expect(restarted.ready()).toBe(false);
      expect(restarted.status().loaded).toBe(false);
      await restarted.whenReady();
      expect(restarted.ready()).toBe(true);
      // No search warmed it: the first one is answered from memory, ranked as every later one.
      const first = await restarted.search('how does a rocket reach orbit?', { tenantId, topK: 5 });
      expect(first.keywordIndex).toBe('memory');
      expect(first.chunks[0]?.title).toBe('Rockets');
    } finally {
      await restarted.stop();
    }
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
    });
  });
});

describe('in-memory keyword index over its budget', () => {
  const server = useTestServer('pglite', { PARLEY_KEYWORD_MEMORY_CHUNKS: '2' });

  it('leaves a tenant that does not fit to the database, which still answers', async () => {
    const { tenantId } = await ingestDocuments(server, DOCS);
    expect(await server.runtime.keywordIndex.warm(tenantId)).toBe(false);
    const options: SearchOptions = { tenantId, topK: 3 };
    const found = await server.runtime.keywordIndex.search('rocket propellant', options);
    expect(found.keywordIndex).toBe('database');
    expect(found.chunks[0]?.title).toBe('Rockets');
    expect(server.runtime.keywordIndex.status()).toMatchObject({ chunks: 0, max_chunks: 2 });
  });
});
