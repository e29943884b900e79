// Each end user's long-term memories: read for a turn (one statement per user at most per cache
// lifetime, none while the user's list is cached, empty or not), taken from finished turns in the
// background, and shown, edited and deleted by their user. The cache is this process's: a write
// through it drops the user's entry at once; a write through another replica is seen here when the
// entry expires (`cacheTtlMs`, a few seconds). Text is stored as the bot's PII policy redacts the
// user's messages: a user's edit, and what the model took from a turn.
import { LRUCache } from 'lru-cache';
import { type PiiPolicy, redactPii } from '../../guard/index.js';
import type { BackgroundRunner } from '../../jobs/index.js';
import type { ModelChain, TokenUsage } from '../../models/index.js';
import type { Database } from '../../storage/index.js';
import type { Logger } from '../../telemetry/index.js';
import { extractMemories } from './extract-memories.js';
import {
  deleteMemories,
  expireMemories,
  listMemories,
  type MemoryRecord,
  type MemorySource,
  memoryBot,
  saveMemories,
  updateMemory,
} from './memory-store.js';
import { recallMemories } from './recall-memories.js';

export interface UserMemoriesOptions {
  /** Most memories kept per user (the least recently updated go first). */
  maxPerUser: number;
  /** How long a user's memories are served from this process's cache (ms). */
  cacheTtlMs: number;
  /** Days a memory is kept after its last update before the sweep deletes it. */
  retentionDays: number;
  /** How long the extraction call may take (ms). */
  extractTimeoutMs: number;
  /** Users whose memories are cached at once. */
  cacheEntries?: number;
}

/** A finished turn that may teach something about its user. */
export interface RememberedExchange extends MemorySource {
  /** The bot's default model chain (the extraction's model). */
  chain: ModelChain;
  /** The user's message (as the input guard passed it) and the answer (as the output guard did). */
  question: string;
  answer: string;
  /** Resolves true once the turn is stored (false: its write was given up, nothing is remembered). */
  stored?: Promise<boolean>;
}

/** The PII policy of a bot's users' messages (undefined: the default, every type redacted). */
export type PiiPolicyOf = (tenantId: string, botId: string) => Promise<PiiPolicy | undefined>;

/** Charges a model call beside a turn (the gateway's accounting). */
export type ChargeCall = (call: { model: string; tokens: TokenUsage }) => void;

/** How often the retention sweep runs (and once 10 s after start-up). */
export const MEMORY_SWEEP_EVERY_MS = 60 * 60 * 1000;

export class UserMemories {
  private readonly cache: LRUCache<string, Promise<readonly MemoryRecord[]>>;
  /** Users whose memories are being written: their reads go to the database, uncached. */
  private readonly writing = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly tasks: BackgroundRunner,
    private readonly options: UserMemoriesOptions,
    private readonly log: Logger,
    private readonly piiPolicyOf: PiiPolicyOf,
  ) {
    this.cache = new LRUCache({ max: options.cacheEntries ?? 10_000, ttl: Math.max(1, options.cacheTtlMs) });
  }

  /**
   * The user's memories relevant to `question` (see recall-memories.ts). A failed read is logged
   * and gives none: the turn is answered without them.
   */
  async recall(tenantId: string, userId: string, question: string): Promise<MemoryRecord[]> {
    try {
      return recallMemories(await this.cached(tenantId, userId), question);
    } catch (error) {
      this.log.warn({ err: error }, 'memories not read: the turn goes on without them');
      return [];
    }
  }

  /** The user's memories, the latest updated first (read afresh: the API shows what is stored). */
  async list(tenantId: string, userId: string): Promise<MemoryRecord[]> {
    return listMemories(this.db.forTenant(tenantId), tenantId, userId);
  }

  /** The user's edit of one memory; undefined when they have none of that id. */
  async update(
    tenantId: string,
    userId: string,
    id: string,
    text: string,
  ): Promise<MemoryRecord | undefined> {
    const db = this.db.forTenant(tenantId);
    const botId = await memoryBot(db, tenantId, userId, id);
    if (botId === undefined) return undefined;
    const stored = redactPii(text, await this.piiPolicyOf(tenantId, botId)).text;
    return this.writeThrough(tenantId, userId, () => updateMemory(db, tenantId, userId, id, stored));
  }

  /** Deletes one of the user's memories (`id`) or all of them; returns how many went. */
  async delete(tenantId: string, userId: string, id?: string): Promise<number> {
    return this.writeThrough(tenantId, userId, () =>
      deleteMemories(this.db.forTenant(tenantId), tenantId, userId, id),
    );
  }

  /** Drops what this process holds of the user's memories (after a write, or an erasure). */
  forget(tenantId: string, userId: string): void {
    this.cache.delete(key(tenantId, userId));
  }

  /**
   * Reads the exchange with the model in the background and stores what it teaches; the call's
   * tokens are charged through `charge`. Failures are logged, never the turn's.
   */
  remember(exchange: RememberedExchange, charge: ChargeCall): Promise<void> {
    return this.tasks.run('remember', async () => {
      const { tenantId, userId } = exchange;
      const known = await this.cached(tenantId, userId);
      let extraction: Awaited<ReturnType<typeof extractMemories>>;
      try {
        extraction = await extractMemories(
          exchange.chain,
          { question: exchange.question, answer: exchange.answer, topics: known.map((m) => m.topic) },
          this.options.extractTimeoutMs,
        );
      } catch (error) {
        this.log.warn({ err: error, turnId: exchange.turnId }, 'memory extraction failed');
        return;
      }
      if (extraction.model && extraction.tokens)
        charge({ model: extraction.model, tokens: extraction.tokens });
      // What the model wrote may quote the user (or the answer): stored as their messages are.
      const policy = await this.piiPolicyOf(tenantId, exchange.botId);
      const redacted = extraction.memories.map((m) => ({ ...m, text: redactPii(m.text, policy).text }));
      // The same note under another topic is not a second memory.
      const held = new Map(known.map((m) => [normalised(m.text), m.topic]));
      const fresh = redacted.filter((m) => {
        const topic = held.get(normalised(m.text));
        return topic === undefined || topic === m.topic;
      });
      if (fresh.length === 0) return;
      // The turn is stored first; saveMemories then stores nothing if it is gone since (its user
      // erased, its conversation deleted or expired while the model read it).
      if (exchange.stored && !(await exchange.stored)) return;
      await this.writeThrough(tenantId, userId, () =>
        saveMemories(this.db.forTenant(tenantId), exchange, fresh, this.options.maxPerUser),
      );
    });
  }

  /** Deletes the memories past the retention period (every tenant's); returns how many. */
  async sweep(now = new Date()): Promise<number> {
    const deleted = await expireMemories(
      this.db,
      new Date(now.getTime() - this.options.retentionDays * 86_400_000),
    );
    if (deleted > 0) this.log.info({ deleted, days: this.options.retentionDays }, 'expired memories deleted');
    return deleted;
  }

  /**
   * Runs a write of the user's memories. The write is visible in the database before its promise
   * settles here, so a turn that starts in between (an API read saw the new memory, the next
   * question follows at once) must not be served the list cached before it: while it runs, reads
   * go to the database and are not cached, and the cache is dropped before and after.
   */
  private async writeThrough<T>(tenantId: string, userId: string, write: () => Promise<T>): Promise<T> {
    const at = key(tenantId, userId);
    this.writing.set(at, (this.writing.get(at) ?? 0) + 1);
    this.cache.delete(at);
    try {
      return await write();
    } finally {
      const left = (this.writing.get(at) ?? 1) - 1;
      if (left === 0) this.writing.delete(at);
      else this.writing.set(at, left);
      this.cache.delete(at);
    }
  }

  private cached(tenantId: string, userId: string): Promise<readonly MemoryRecord[]> {
    const at = key(tenantId, userId);
    if (this.writing.has(at)) return listMemories(this.db.forTenant(tenantId), tenantId, userId);
    let entry = this.cache.get(at);
    if (!entry) {
      // The read in flight is what is cached: a write meanwhile drops it, so a read that began
      // before the write is never kept after it.
      entry = listMemories(this.db.forTenant(tenantId), tenantId, userId);
      this.cache.set(at, entry);
      entry.catch(() => {
        if (this.cache.get(at) === entry) this.cache.delete(at);
      });
    }
    return entry;
  }
}

const key = (tenantId: string, userId: string) => `${tenantId}\u0000${userId}`;
const normalised = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
