// Builds everything a Parley process needs once, at start-up, from the config: the database,
// the ingestion pool and runner, the retriever and the chat pipeline; and closes it in order.
import { ChatService, WriteBehind } from '../chat/index.js';
import type { Config } from '../config/index.js';
import {
  HybridRetriever,
  Ingestion,
  KeywordRetriever,
  PreparePool,
  type Retriever,
} from '../knowledge/index.js';
import { type Database, type OpenOptions, openDatabase } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';
import { KeyVerifier } from './auth/api-keys.js';

export interface Runtime {
  config: Config;
  log: Logger;
  db: Database;
  ingestion: Ingestion;
  retriever: Retriever;
  chat: ChatService;
  writeBehind: WriteBehind;
  keys: KeyVerifier;
  /** Stops background work, drains pending writes and closes the database. */
  close(): Promise<void>;
}

export interface RuntimeOptions extends OpenOptions {
  /** Run queued ingestion jobs in this process (the server does; one-shot commands do not). */
  runJobs?: boolean;
}

export async function createRuntime(
  config: Config,
  log: Logger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const db = await openDatabase(config, log, options);
  const preparePool = new PreparePool(config.PARLEY_INGEST_THREADS);
  const ingestion = new Ingestion(db, preparePool, log.child({ component: 'ingestion' }), {
    concurrency: options.runJobs ? config.PARLEY_INGEST_CONCURRENCY : 0,
    // An embedded database has one owner process: whatever it left running was interrupted.
    staleSeconds: db.kind === 'embedded' ? 0 : 60,
  });
  const retriever = new HybridRetriever([new KeywordRetriever(db)]);
  const writeBehind = new WriteBehind(log.child({ component: 'write-behind' }));
  const chat = new ChatService({ db, retriever, writeBehind, topK: config.PARLEY_RETRIEVAL_TOP_K });
  await ingestion.start();
  return {
    config,
    log,
    db,
    ingestion,
    retriever,
    chat,
    writeBehind,
    keys: new KeyVerifier(db),
    async close() {
      await ingestion.stop();
      await preparePool.close();
      await writeBehind.drain();
      await db.close();
    },
  };
}
