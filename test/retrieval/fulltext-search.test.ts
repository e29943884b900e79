// The keyword search of a PostgreSQL server without pg_textsearch (parley_fulltext_search): it
// ranks by how rare the matched words are, keeps OR semantics, and never leaves the tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTenant } from '../../src/app/index.js';
import { KeywordRetriever } from '../../src/knowledge/index.js';
import { ingestFor } from '../support/documents.js';
import { startTestServer, type TestServer } from '../support/test-backend.js';

let server: TestServer;
let retriever: KeywordRetriever;
let tenantId: string;
let otherTenant: string;

const COMMON = 'The service stores records and answers requests about records every day.';

const ingest = (tenant: string, title: string, text: string) =>
  ingestFor(server, tenant, [{ title, text, format: 'text', source: title }]);

const titlesOf = async (tenant: string, query: string, topK = 5) =>
  (await retriever.search(query, { tenantId: tenant, topK })).chunks.map((chunk) => chunk.title);

beforeAll(async () => {
  server = await startTestServer('postgres');
  const db = server.runtime.db;
  expect(db.features.bm25).toBe(false); // the server here has no pg_textsearch: the fallback is tested
  retriever = new KeywordRetriever(db);
  tenantId = await ensureTenant(db, `fulltext-${Date.now()}`);
  otherTenant = await ensureTenant(db, `fulltext-other-${Date.now()}`);
  for (let i = 0; i < 12; i++) await ingest(tenantId, `common-${i}`, `${COMMON} Records ${i}.`);
  await ingest(tenantId, 'zeppelin', `${COMMON} The zeppelin hangar opens at dawn.`);
  await ingest(tenantId, 'hangar-only', 'A hangar for gliders, built of timber.');
  await ingest(otherTenant, 'other-zeppelin', 'The zeppelin zeppelin zeppelin hangar of another tenant.');
});

afterAll(async () => {
  await server?.close();
});

describe('full-text keyword search without pg_textsearch', () => {
  it('puts the chunk holding the rare query words first', async () => {
    const titles = await titlesOf(tenantId, 'records about the zeppelin hangar');
    expect(titles[0]).toBe('zeppelin');
    expect(titles).toContain('hangar-only');
  });

  it('matches any of the query words (OR), not only chunks holding all of them', async () => {
    expect(await titlesOf(tenantId, 'glider timber submarine')).toEqual(['hangar-only']);
  });

  it('never returns another tenant’s chunks, however well they match', async () => {
    const titles = await titlesOf(tenantId, 'zeppelin zeppelin', 20);
    expect(titles).toEqual(['zeppelin']);
    expect(await titlesOf(otherTenant, 'zeppelin')).toEqual(['other-zeppelin']);
  });

  it('ranks the same way once ANALYZE has counted the common words', async () => {
    await server.runtime.db.query('analyze chunks');
    expect((await titlesOf(tenantId, 'records about the zeppelin hangar'))[0]).toBe('zeppelin');
    expect(await titlesOf(tenantId, 'zeppelin', 20)).toEqual(['zeppelin']);
  });

  it('finds a rare word next to a word in thousands of chunks, and still answers the common word alone', async () => {
    // 1,600 chunks hold "plentiful": more than the 1,500 a search reads of one word. The chunk that
    // also holds "quokka" is stored after them, beyond that cap, and is found through its rare word.
    const db = server.runtime.db;
    const tenant = await ensureTenant(db, `fulltext-common-${Date.now()}`);
    await ingest(tenant, 'filler', 'Plentiful meadows.');
    await db.query(
      `insert into chunks (tenant_id, kb_id, document_id, ordinal, text, search_text, token_count)
       select c.tenant_id, c.kb_id, c.document_id, 1000 + n, 'Plentiful grass ' || n, 'Plentiful grass ' || n, 3
       from chunks c cross join generate_series(1, 1600) n
       where c.tenant_id = $1`,
      [tenant],
    );
    await ingest(tenant, 'needle', 'A quokka in the plentiful grass.');
    await db.query('analyze chunks');
    expect((await titlesOf(tenant, 'plentiful quokka'))[0]).toBe('needle');
    const { chunks: common } = await retriever.search('plentiful', { tenantId: tenant, topK: 5 });
    expect(common).toHaveLength(5);
    // the whole tenant's 1,602 chunks hold the word: its weight stays that of a common word
    expect(common[0]!.score).toBeLessThan(
      (await retriever.search('quokka', { tenantId: tenant, topK: 1 })).chunks[0]!.score,
    );
  });

  it('keeps the full-text index’s pending list short, so a search does not read hundreds of pages per word', async () => {
    const [index] = await server.runtime.db.query<{ reloptions: string[] }>(
      `select reloptions from pg_class where relname = 'chunks_tsv' and relnamespace = to_regnamespace(current_schema())::oid`,
    );
    expect(index?.reloptions).toContain('gin_pending_list_limit=256');
  });

  it('answers nothing for a query of stop words only', async () => {
    expect(await titlesOf(tenantId, 'the and of')).toEqual([]);
  });
});
