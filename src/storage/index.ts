// Storage layer: the database handle, migrations, the embedded database, and the shared Redis.
export { type Database, type OpenOptions, openDatabase } from './database.js';
export { GroupWriter } from './group-writer.js';
export { migrate, withMigrationLock } from './migrate.js';
export { MIGRATIONS } from './migrations.js';
export {
  poolQueries,
  type Queryable,
  type QueryOptions,
  type QueryRunner,
} from './pool-queries.js';
export { connectRedis, RedisConnection } from './redis-connection.js';
export { RefreshAheadCache, type RefreshAheadOptions } from './refresh-ahead-cache.js';
export { checkSchema, type SchemaReadiness } from './schema-readiness.js';
export { ensureVectorTable, type SearchFeatures } from './search-indexes.js';
export {
  effectiveDays,
  type PeriodBounds,
  type PeriodColumn,
  tenantPeriods,
} from './tenant-periods.js';
export { workerScript } from './worker-url.js';
