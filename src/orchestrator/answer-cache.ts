// The answer cache: a question asked again of the same bot, over the same knowledge, is answered
// with the answer it got before, with no retrieval and no model call. Exact: the key is the
// tenant, the bot's settings (its prompt version among them), the generation of the tenant's
// knowledge and the normalised question, so a document change, a new prompt or a settings change
// makes every earlier entry unreachable (they age out of the LRU). Only a message that stands on
// its own is answered from it: never a turn of a conversation with earlier messages, whose answer
// depends on them. In-process, like the retrieval cache it sits beside (docs/architecture.md).
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Citation } from './extractive-answer.js';

export interface AnswerCacheOptions {
  /** Entry lifetime (0 turns the cache off). */
  ttlMs: number;
  /** Most entries kept (least recently used go first). */
  maxEntries: number;
  /** The generation of the tenant's knowledge as retrieval sees it (see Retriever.generation). */
  generationOf(tenantId: string): number | undefined;
}

/** An answer as the cache keeps it. */
export interface CachedAnswer {
  readonly answer: string;
  readonly citations: readonly Citation[];
  /** How it was first answered. */
  readonly mode: 'generated' | 'extractive';
  readonly model: string | undefined;
  /** What the first answer cost: what each hit saves. */
  readonly costUsd: number;
  /** The turn that first gave it (its trace holds the prompt and what was retrieved). */
  readonly turnId: string;
}

/** What a turn needs of the cache: whether its question was answered before, and where to keep its answer. */
export interface AnswerLookup {
  readonly key: string;
  readonly hit: CachedAnswer | undefined;
}

/** The question as the key sees it: case, spacing and closing punctuation do not matter. */
export function normaliseQuestion(message: string): string {
  return message
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[\s?!.。？！]+$/u, '')
    .trim();
}

export class AnswerCache {
  private readonly entries: LRUCache<string, CachedAnswer> | undefined;

  constructor(private readonly options: AnswerCacheOptions) {
    this.entries =
      options.ttlMs > 0
        ? new LRUCache({ max: options.maxEntries, ttl: options.ttlMs, ttlAutopurge: false })
        : undefined;
  }

  get enabled(): boolean {
    return this.entries !== undefined;
  }

  /** The cache's verdict on a question; undefined when the cache is off. */
  lookup(question: { tenantId: string; botFingerprint: string; message: string }): AnswerLookup | undefined {
    if (!this.entries) return undefined;
    const generation = this.options.generationOf(question.tenantId) ?? 0;
    const key = createHash('sha256')
      .update(
        [question.tenantId, question.botFingerprint, generation, normaliseQuestion(question.message)].join(
          '\u0000',
        ),
      )
      .digest('base64url');
    return { key, hit: this.entries.get(key) };
  }

  /** Keeps a turn's answer under the key its lookup gave (the knowledge it was answered from). */
  store(key: string, answer: CachedAnswer): void {
    // Shared by every later hit: frozen, so that no turn can change what others will read.
    this.entries?.set(key, Object.freeze({ ...answer, citations: Object.freeze([...answer.citations]) }));
  }
}
