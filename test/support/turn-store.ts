// What a turn stores itself through, for the orchestrator's unit tests: the real background
// tasks, conversation cache and grouped writer, over a database whose writes are kept (or fail).
import { BackgroundTasks } from '../../src/jobs/index.js';
import { ConversationCache } from '../../src/orchestrator/conversation-cache.js';
import type { TurnRecord } from '../../src/orchestrator/conversation-store.js';
import { type Database, GroupWriter } from '../../src/storage/index.js';
import { createLogger } from '../../src/telemetry/index.js';

/** Persistence's collaborators, real but for the database, whose writes `fail` or are kept. */
export function turnStore(options: { fail?: boolean } = {}) {
  const saved: TurnRecord[] = [];
  const queries: string[] = [];
  const released: string[] = [];
  // The summary reads the conversation: none is found, so nothing is summarized.
  const db = {
    query: async (sql: string) => {
      queries.push(sql);
      return [];
    },
  } as unknown as Database;
  const deps = {
    db,
    tasks: new BackgroundTasks(createLogger('silent'), 0),
    pending: { release: (id: string) => released.push(id) },
    conversations: new ConversationCache({ authoritative: true }),
    turns: new GroupWriter<TurnRecord>(async (records) => {
      if (options.fail) throw new Error('database away');
      saved.push(...records);
    }),
  };
  return { deps, saved, queries, released };
}

export type TurnStore = ReturnType<typeof turnStore>;
