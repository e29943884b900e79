// What /readyz asks of the schema: every migration this build knows is applied, and the search
// indexes retrieval relies on exist. One round trip, cheap enough for a probe every few seconds.
import { MIGRATIONS } from './migrations.js';
import type { QueryRunner } from './pool-queries.js';

export interface SchemaReadiness {
  /** Every migration of this build is applied (a newer replica may have applied more: still ready). */
  migrations: boolean;
  /** The keyword index (and BM25's, when pg_textsearch is in use) exists in the current schema. */
  indexes: boolean;
}

export async function checkSchema(db: QueryRunner, options: { bm25: boolean }): Promise<SchemaReadiness> {
  const versions = MIGRATIONS.map((migration) => migration.version);
  const indexes = options.bm25 ? ['chunks_tsv', 'chunks_bm25'] : ['chunks_tsv'];
  const [row] = await db.query<{ applied: number; indexes: number }>(
    `select (select count(*) from schema_migrations where version = any($1::int[]))::int as applied,
            (select count(*) from pg_indexes
               where schemaname = current_schema() and indexname = any($2::text[]))::int as indexes`,
    [versions, indexes],
  );
  return {
    migrations: row?.applied === versions.length,
    indexes: row?.indexes === indexes.length,
  };
}
