// Documents and their chunks in the database, always scoped by tenant. Replacing a document's
// chunks and deleting a document each happen in one transaction.
import { randomUUID } from 'node:crypto';
import type { Queryable, QueryRunner } from '../../storage/index.js';
import { withoutLinkBlocks } from '../parse/index.js';
import {
  FIELD_WEIGHTS,
  type FieldWeights,
  fieldBoost,
  openingText,
  searchableText,
} from '../retrieve/keyword-analyzer.js';
import type { PreparedDocument } from './prepare-document.js';

/** A document as the API shows it. */
export interface DocumentRecord {
  id: string;
  knowledge_base_id: string;
  title: string;
  source: string | null;
  format: string | null;
  status: string;
  chunk_count: number;
  byte_size: number | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

const DOCUMENT_COLUMNS = `id, kb_id as knowledge_base_id, title, source, format, status, chunk_count, byte_size, error,
  created_at, updated_at`;

// Chunks go in batches so that one statement's parameters stay small.
const INSERT_BATCH = 500;

/** Finds or creates the knowledge base `name` of a tenant and returns its id. */
export async function ensureKnowledgeBase(
  db: QueryRunner,
  tenantId: string,
  name = 'default',
): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `insert into knowledge_bases(id, tenant_id, name) values ($1, $2, $3)
       on conflict (tenant_id, name) do update set name = excluded.name
       returning id`,
    [randomUUID(), tenantId, name],
  );
  return rows[0]!.id;
}

/**
 * Returns the id of the document identified by `sourceKey` in a knowledge base, creating a
 * pending row if it is new. Re-uploading the same source therefore updates one document.
 */
export async function upsertDocument(
  client: Queryable,
  doc: { tenantId: string; kbId: string; sourceKey: string; title: string; source?: string; format?: string },
): Promise<string> {
  const result = await client.query<{ id: string }>(
    `insert into documents(id, tenant_id, kb_id, source_key, title, source, format)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (tenant_id, kb_id, source_key) do update set updated_at = now()
       returning id`,
    [randomUUID(), doc.tenantId, doc.kbId, doc.sourceKey, doc.title, doc.source ?? null, doc.format ?? null],
  );
  return result.rows[0]!.id;
}

/**
 * Stores a prepared document's chunks, replacing the old ones in one transaction. Identical
 * content (same hash, already ready) changes nothing and reports `unchanged`.
 */
export async function storeChunks(
  db: QueryRunner,
  target: { tenantId: string; documentId: string; title?: string },
  prepared: PreparedDocument,
  fieldWeights: FieldWeights = FIELD_WEIGHTS,
): Promise<{ unchanged: boolean; chunkCount: number }> {
  return db.transaction(async (client) => {
    const current = await client.query<{ kb_id: string; content_hash: string | null; status: string }>(
      'select kb_id, content_hash, status from documents where id = $1 and tenant_id = $2 for update',
      [target.documentId, target.tenantId],
    );
    const doc = current.rows[0];
    if (!doc) return { unchanged: false, chunkCount: 0 }; // deleted while the job ran
    if (doc.status === 'ready' && doc.content_hash === prepared.contentHash) {
      return { unchanged: true, chunkCount: prepared.chunks.length };
    }
    const title = target.title ?? prepared.title;
    // The page's opening weighs in its other chunks too (keyword-analyzer.ts, FIELD_WEIGHTS); the
    // first holds it already.
    const first = prepared.chunks.reduce<(typeof prepared.chunks)[number] | undefined>(
      (best, chunk) => (best === undefined || chunk.ordinal < best.ordinal ? chunk : best),
      undefined,
    );
    const pageOpening =
      first && fieldWeights.opening > 0 ? openingText(first.text, fieldWeights.openingTerms) : '';
    await client.query('delete from chunks where document_id = $1 and tenant_id = $2', [
      target.documentId,
      target.tenantId,
    ]);
    for (let start = 0; start < prepared.chunks.length; start += INSERT_BATCH) {
      const batch = prepared.chunks.slice(start, start + INSERT_BATCH);
      await client.query(
        // What keyword search indexes (title, heading path, text without its link lists, as the
        // analyzers read them, then fieldBoost: the page's opening again, FIELD_WEIGHTS)
        // is assembled in SQL, so a chunk's text crosses the connection once unless
        // reading it for search changes it (a contraction, a snake_case name).
        `insert into chunks(tenant_id, kb_id, document_id, ordinal, heading_path, text, search_text, token_count,
                            metadata)
           select $1, $2, $3, u.ordinal, u.heading_path, u.text,
                  concat_ws(E'\n', $4::text, nullif(u.search_heading, ''), coalesce(u.search_body, u.text),
                            nullif(u.search_boost, '')),
                  u.token_count, u.metadata
           from unnest($5::int[], $6::text[], $7::text[], $8::int[], $9::jsonb[], $10::text[], $11::text[],
                       $12::text[])
             as u(ordinal, heading_path, text, token_count, metadata, search_heading, search_body, search_boost)`,
        [
          target.tenantId,
          doc.kb_id,
          target.documentId,
          searchableText(title),
          batch.map((chunk) => chunk.ordinal),
          batch.map((chunk) => chunk.headingPath.join(' > ')),
          batch.map((chunk) => chunk.text),
          batch.map((chunk) => chunk.tokenCount),
          batch.map((chunk) => JSON.stringify(chunk.metadata)),
          batch.map((chunk) => searchableText(chunk.headingPath.join(' > '))),
          batch.map((chunk) => {
            const searchable = searchableText(withoutLinkBlocks(chunk.text, fieldWeights.maxLinkDensity));
            return searchable === chunk.text ? null : searchable;
          }),
          batch.map((chunk) =>
            fieldBoost(
              {
                title,
                headingPath: chunk.headingPath.join(' > '),
                pageOpening: chunk === first ? '' : pageOpening,
              },
              fieldWeights,
            ),
          ),
        ],
      );
    }
    await client.query(
      `update documents set title = $3, format = $4, content_hash = $5, status = 'ready', chunk_count = $6,
         byte_size = $7, error = null, updated_at = now()
       where id = $1 and tenant_id = $2`,
      [
        target.documentId,
        target.tenantId,
        title,
        prepared.format,
        prepared.contentHash,
        prepared.chunks.length,
        prepared.byteSize,
      ],
    );
    return { unchanged: false, chunkCount: prepared.chunks.length };
  });
}

/** Marks a document failed unless an earlier version is still being served. */
export async function markDocumentFailed(
  db: QueryRunner,
  tenantId: string,
  documentId: string,
  error: string,
) {
  await db.query(
    `update documents set status = case when status = 'ready' then status else 'failed' end, error = $3,
       updated_at = now() where id = $1 and tenant_id = $2`,
    [documentId, tenantId, error],
  );
}

export async function listDocuments(
  db: QueryRunner,
  tenantId: string,
  page: { limit: number; offset: number },
): Promise<DocumentRecord[]> {
  return db.query<DocumentRecord>(
    `select ${DOCUMENT_COLUMNS} from documents where tenant_id = $1 order by created_at desc, id limit $2 offset $3`,
    [tenantId, page.limit, page.offset],
  );
}

export async function getDocument(
  db: QueryRunner,
  tenantId: string,
  id: string,
): Promise<DocumentRecord | undefined> {
  const rows = await db.query<DocumentRecord>(
    `select ${DOCUMENT_COLUMNS} from documents where id = $1 and tenant_id = $2`,
    [id, tenantId],
  );
  return rows[0];
}

/** Deletes a document; its chunks go in the same statement (ON DELETE CASCADE). */
export async function deleteDocument(db: QueryRunner, tenantId: string, id: string): Promise<boolean> {
  const rows = await db.query('delete from documents where id = $1 and tenant_id = $2 returning id', [
    id,
    tenantId,
  ]);
  return rows.length > 0;
}
