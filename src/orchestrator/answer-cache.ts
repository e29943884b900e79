// The answer cache: a question asked again of the same bot, over the same knowledge, is answered
// with the answer it got before, with no retrieval and no model call. Exact: the key is the
// tenant, the bot's settings (its prompt version among them), the generation of the tenant's
// knowledge and the normalised question, so a document change, a new prompt or a settings change
// makes every earlier entry unreachable (they age out of the LRU). Only a message that stands on
// its own is answered from it: never a turn of a conversation with earlier messages, whose answer
// depends on them. In-process, like the retrieval cache it sits beside (docs/architecture.md).
//
// Semantic, when an embedder is configured: a question the exact key misses is embedded (the
// same vector the vector retriever asks for, shared by SharedQueryEmbedder, so no second call)
// and answered with the answer to the closest question asked before under the same tenant, bot
// and knowledge, when the two are similar enough and may be the same question (same-question.ts).
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { QueryEmbedder } from '../knowledge/index.js';
import type { Citation } from './extractive-answer.js';
import { SemanticAnswerIndex } from './semantic-answer-index.js';

export interface AnswerCacheOptions {
  /** Entry lifetime (0 turns the cache off). */
  ttlMs: number;
  /** Most entries kept (least recently used go first). */
  maxEntries: number;
  /** The generation of the tenant's knowledge as retrieval sees it (see Retriever.generation). */
  generationOf(tenantId: string): number | undefined;
  /** Embeds questions for the semantic side (none: exact only). */
  embedder?: QueryEmbedder;
  /** The cosine a question needs to an earlier one to get its answer (0: exact only). */
  similarity?: number;
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
  /** That turn's conversation: deleting or erasing it drops the answer (and its question) here. */
  readonly conversationId: string;
}

/** What a turn needs of the cache: whether its question was answered before, and where to keep its answer. */
export interface AnswerLookup {
  readonly key: string;
  readonly hit: CachedAnswer | undefined;
  /** How a hit was found: the same question, or one close enough by its embedding. */
  readonly kind?: 'exact' | 'semantic';
  /** A semantic hit's cosine to the question it was first given for. */
  readonly similarity?: number;
}

/** A question as the cache is asked it. */
export interface CacheQuestion {
  tenantId: string;
  botFingerprint: string;
  message: string;
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
  private readonly semantic: SemanticAnswerIndex | undefined;

  constructor(private readonly options: AnswerCacheOptions) {
    this.entries =
      options.ttlMs > 0
        ? new LRUCache({ max: options.maxEntries, ttl: options.ttlMs, ttlAutopurge: false })
        : undefined;
    this.semantic =
      this.entries && options.embedder && (options.similarity ?? 0) > 0
        ? new SemanticAnswerIndex()
        : undefined;
  }

  get enabled(): boolean {
    return this.entries !== undefined;
  }

  /** The cache's verdict on a question; undefined when the cache is off. */
  lookup(question: CacheQuestion): AnswerLookup | undefined {
    if (!this.entries) return undefined;
    const key = hash([this.scopeOf(question), normaliseQuestion(question.message)]);
    const hit = this.entries.get(key);
    return hit ? { key, hit, kind: 'exact' } : { key, hit };
  }

  /**
   * For a question the exact key missed (`miss`), the answer to the closest question asked before
   * in its scope, when one is at `minSimilarity` (else the server's) or closer; undefined when
   * none is, when the semantic side is off, or when the embedding fails. A miss's vector is kept
   * with its key, so that the answer `store(miss.key)` keeps can be found by later questions.
   */
  async similar(
    question: CacheQuestion,
    miss: AnswerLookup,
    minSimilarity = this.options.similarity ?? 0,
  ): Promise<AnswerLookup | undefined> {
    const { semantic, entries } = this;
    const text = question.message.trim();
    if (!semantic || !entries || !this.options.embedder || minSimilarity <= 0 || !text) return undefined;
    let vector: number[] | undefined;
    try {
      [vector] = await this.options.embedder.embed([text]);
    } catch {
      return undefined; // answered afresh; retrieval reports the embedding's failure
    }
    if (!vector) return undefined;
    const scope = this.scopeOf(question);
    const nearest = semantic.nearest(scope, text, vector, minSimilarity, (key) => entries.has(key));
    const hit = nearest && entries.get(nearest.key);
    if (nearest && hit) return { key: miss.key, hit, kind: 'semantic', similarity: nearest.similarity };
    semantic.remember(miss.key, scope, text, vector);
    return undefined;
  }

  /** Keeps a turn's answer under the key its lookup gave (the knowledge it was answered from). */
  store(key: string, answer: CachedAnswer): void {
    // Shared by every later hit: frozen, so that no turn can change what others will read.
    this.entries?.set(key, Object.freeze({ ...answer, citations: Object.freeze([...answer.citations]) }));
    this.semantic?.stored(key);
  }

  /**
   * Drops the answers a conversation's turns gave, and their questions' vectors: the conversation
   * was deleted, erased with its user, or expired, and what its user asked goes with it. A scan
   * of the entries (at most PARLEY_ANSWER_CACHE_ENTRIES), on a deletion only.
   */
  forgetConversation(conversationId: string): void {
    if (!this.entries) return;
    for (const [key, answer] of this.entries.entries()) {
      if (answer.conversationId !== conversationId) continue;
      this.entries.delete(key);
      this.semantic?.forget(key);
    }
  }

  /** Where a question's answers are kept: its tenant, its bot's settings and the knowledge's generation. */
  private scopeOf(question: CacheQuestion): string {
    const generation = this.options.generationOf(question.tenantId) ?? 0;
    return hash([question.tenantId, question.botFingerprint, generation]);
  }
}

function hash(parts: readonly (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url');
}
