// The memory of conversations this process answered lately: after a turn, its two messages follow
// the memory it started from, at once, before the turn is stored (turns are written after the
// response, in groups). This does two things:
// - a follow-up sent as soon as the answer ends sees the previous turn, though it may not be in
//   the database yet (reading the database alone, it could miss it under load);
// - when this process is the only writer of conversations (it owns the embedded database), a
//   follow-up needs no database read at all: its memory is here.
// With a database other processes write to (PostgreSQL, replicas), an entry is used only while
// one of its turns is still unstored; the database is read otherwise. Two turns of the same
// conversation finishing out of order (a client that does not wait for the answer) drop the entry:
// the database, which has both, answers the next one. Bounded: least recently used entries go
// first, by count and by the characters held.
import { LRUCache } from 'lru-cache';
import { type ConversationMemory, RECENT_MESSAGES } from './conversation-memory.js';

interface Entry {
  tenantId: string;
  botId: string;
  memory: ConversationMemory;
  /** Turns finished but not stored yet. */
  unsaved: number;
  /** Bumped by every finished turn: a turn that began from an older version lost a race. */
  version: number;
}

/** What a turn began from: the conversation's memory and the entry's version then. */
export interface CachedStart {
  memory: ConversationMemory;
  version: number;
}

export interface ConversationCacheOptions {
  /** This process writes every turn of every conversation (the embedded database's owner). */
  authoritative: boolean;
  maxEntries?: number;
  /** Most characters of message text held over all entries. */
  maxChars?: number;
  ttlMs?: number;
}

const charsOf = (entry: Entry) =>
  entry.memory.recent.reduce(
    (sum, message) => sum + message.content.length,
    entry.memory.summary?.length ?? 0,
  ) + 64;

export class ConversationCache {
  private readonly entries: LRUCache<string, Entry>;

  constructor(private readonly options: ConversationCacheOptions) {
    this.entries = new LRUCache<string, Entry>({
      max: options.maxEntries ?? 2_000,
      maxSize: options.maxChars ?? 16 * 2 ** 20,
      sizeCalculation: charsOf,
      ttl: options.ttlMs ?? 30 * 60_000,
    });
  }

  /** The conversation's bot and memory when this process knows them for sure; undefined: read the database. */
  get(tenantId: string, conversationId: string): { botId: string; memory: ConversationMemory } | undefined {
    const entry = this.entries.get(conversationId);
    if (!entry || entry.tenantId !== tenantId) return undefined;
    if (!this.options.authoritative && entry.unsaved === 0) return undefined;
    return { botId: entry.botId, memory: entry.memory };
  }

  /** The version a turn starting now begins from (0 when nothing is cached). */
  version(conversationId: string): number {
    return this.entries.get(conversationId)?.version ?? 0;
  }

  /** A turn finished (not stored yet): its messages follow the memory it began from. */
  turnFinished(
    tenantId: string,
    conversationId: string,
    botId: string,
    start: CachedStart,
    messages: { user?: string; assistant: string },
    state: ConversationMemory['state'],
    notFoundStreak = 0,
  ): void {
    const entry = this.entries.get(conversationId);
    if (entry && (entry.version !== start.version || entry.tenantId !== tenantId)) {
      // Another turn of this conversation finished since this one began: the order is the
      // database's to tell.
      this.entries.delete(conversationId);
      return;
    }
    const recent = [
      ...start.memory.recent,
      ...(messages.user === undefined ? [] : [{ role: 'user' as const, content: messages.user }]),
      { role: 'assistant' as const, content: messages.assistant },
    ].slice(-RECENT_MESSAGES);
    this.entries.set(conversationId, {
      tenantId,
      botId,
      memory: { summary: entry?.memory.summary ?? start.memory.summary, recent, state, notFoundStreak },
      unsaved: (entry?.unsaved ?? 0) + 1,
      version: start.version + 1,
    });
  }

  /** A finished turn is stored. */
  turnStored(conversationId: string): void {
    const entry = this.entries.peek(conversationId);
    if (entry) entry.unsaved = Math.max(0, entry.unsaved - 1);
  }

  /** A finished turn could not be stored: the entry would remember what the database does not. */
  forget(conversationId: string): void {
    this.entries.delete(conversationId);
  }

  /** The conversation's summary was rewritten (older messages folded in). */
  summaryChanged(conversationId: string, summary: string): void {
    const entry = this.entries.peek(conversationId);
    if (!entry) return;
    this.entries.set(
      conversationId,
      { ...entry, memory: { ...entry.memory, summary } },
      { noUpdateTTL: true },
    );
  }
}
