// Curated answers (what Dify calls annotation replies): operators store question -> answer pairs
// per bot; a message close enough to one of the questions is answered with its answer, with no
// model call. `match` is on a turn's critical path: each bot's entries are held in memory
// (CuratedIndex) behind a refresh-ahead cache, the empty list included, so once warm a turn reads
// no table; a change through this process applies at once, one through another replica once that
// replica's poll of the tenant's bot generation (bumped by a trigger on curated_answers) sees it
// (Bots.follow), and at worst within the cache's lifetime plus one turn.
import { randomUUID } from 'node:crypto';
import { notFound, ParleyError, validationError } from '../../errors/index.js';
import { type Database, RefreshAheadCache } from '../../storage/index.js';
import { CuratedIndex, type CuratedMatch } from './curated-index.js';
import {
  type CuratedInput,
  type CuratedRow,
  countCurated,
  curatedVersion,
  deleteCurated,
  existingKeys,
  insertCurated,
  listCurated,
  loadCurated,
  lockBot,
  updateCurated,
  upsertCurated,
} from './curated-store.js';
import { normaliseQuestion } from './question-similarity.js';

/** A curated answer as the API shows it. */
export type CuratedAnswer = CuratedRow;

export interface CuratedAnswersOptions {
  /** Throws the 404 for a bot the tenant does not have (Bots.get). */
  assertBot: (tenantId: string, botId: string) => Promise<unknown>;
  /** Most entries a bot may hold (default 5,000). */
  maxPerBot?: number;
  /** How long a bot's entries are used before they are read again (default 5 s). */
  ttlMs?: number;
}

/** A message's match needs at least this score unless the bot says otherwise. */
export const DEFAULT_CURATED_THRESHOLD = 0.85;
export const MAX_CURATED_PER_BOT = 5_000;
export const MAX_QUESTION_CHARS = 1_000;
export const MAX_ANSWER_CHARS = 20_000;

const CACHE_MAX_STALE_MS = 30_000;
// Bots whose entries are held; most hold none (an empty index costs a few hundred bytes).
const CACHE_MAX = 2_000;

/** A bot's index, and the version of its entries it was built from (see curatedVersion). */
interface VersionedIndex {
  version: string;
  index: CuratedIndex;
}

const EMPTY = CuratedIndex.of([]);

export class CuratedAnswers {
  private readonly maxPerBot: number;
  private readonly cache: RefreshAheadCache<VersionedIndex>;

  constructor(
    private readonly db: Database,
    private readonly options: CuratedAnswersOptions,
  ) {
    this.maxPerBot = options.maxPerBot ?? MAX_CURATED_PER_BOT;
    this.cache = new RefreshAheadCache<VersionedIndex>(
      async (key, previous) => {
        const [tenantId, botId] = key.split('\u0000') as [string, string];
        const db = this.db.forTenant(tenantId);
        // A refresh rebuilds the index (tens of ms of work for thousands of entries) only when
        // the entries changed; most refreshes cost one small query.
        const version = await curatedVersion(db, tenantId, botId);
        if (previous?.version === version) return previous;
        if (version.startsWith('0/')) return { version, index: EMPTY };
        const rows = await loadCurated(db, tenantId, botId, this.maxPerBot);
        return { version, index: await CuratedIndex.build(rows) };
      },
      { ttlMs: options.ttlMs ?? 5_000, maxStaleMs: CACHE_MAX_STALE_MS, max: CACHE_MAX },
    );
  }

  /**
   * The bot's curated answer for this message, when one scores at least `threshold` (see
   * question-similarity.ts for the score); undefined otherwise.
   */
  async match(
    tenantId: string,
    botId: string,
    message: string,
    threshold = DEFAULT_CURATED_THRESHOLD,
  ): Promise<CuratedMatch | undefined> {
    const { index } = await this.cache.get(cacheKey(tenantId, botId));
    return index.match(message, threshold);
  }

  async list(
    tenantId: string,
    botId: string,
    page: { limit: number; offset: number },
  ): Promise<CuratedAnswer[]> {
    await this.options.assertBot(tenantId, botId);
    return listCurated(this.db.forTenant(tenantId), tenantId, botId, page);
  }

  /** Adds an entry; 409 when the bot has this question (normalised) already, 400 over the cap. */
  async create(
    tenantId: string,
    botId: string,
    input: { question: string; answer: string },
  ): Promise<CuratedAnswer> {
    await this.options.assertBot(tenantId, botId);
    const entry = prepare(input);
    const row = await this.db.forTenant(tenantId).transaction(async (client) => {
      await lockBot(client, tenantId, botId);
      if ((await countCurated(client, tenantId, botId)) >= this.maxPerBot) throw this.full(botId);
      return insertCurated(client, tenantId, botId, randomUUID(), entry);
    });
    if (!row) throw duplicate(input.question);
    this.forget(tenantId, botId);
    return row;
  }

  /** Changes an entry's question and/or answer; 404 when the bot has no such entry. */
  async update(
    tenantId: string,
    botId: string,
    id: string,
    change: { question?: string | undefined; answer?: string | undefined },
  ): Promise<CuratedAnswer> {
    await this.options.assertBot(tenantId, botId);
    const question = change.question === undefined ? undefined : prepareQuestion(change.question);
    const answer = change.answer === undefined ? undefined : prepareAnswer(change.answer);
    const row = await updateCurated(this.db.forTenant(tenantId), tenantId, botId, id, {
      ...question,
      ...(answer === undefined ? {} : { answer }),
    }).catch((error: unknown) => {
      throw isUniqueViolation(error) ? duplicate(change.question ?? '') : error;
    });
    if (!row) throw notFound('curated answer');
    this.forget(tenantId, botId);
    return row;
  }

  async remove(tenantId: string, botId: string, id: string): Promise<void> {
    await this.options.assertBot(tenantId, botId);
    const deleted = await deleteCurated(this.db.forTenant(tenantId), tenantId, botId, id);
    if (!deleted) throw notFound('curated answer');
    this.forget(tenantId, botId);
  }

  /**
   * Adds the entries, replacing the answer of questions the bot has already (a later entry with
   * the same normalised question wins over an earlier one); all or nothing, 400 when the bot
   * would hold more than the cap.
   */
  async import(
    tenantId: string,
    botId: string,
    inputs: readonly { question: string; answer: string }[],
  ): Promise<{ imported: number; updated: number }> {
    await this.options.assertBot(tenantId, botId);
    const byKey = new Map<string, CuratedInput>();
    inputs.forEach((input, index) => {
      try {
        const entry = prepare(input);
        byKey.delete(entry.key);
        byKey.set(entry.key, entry);
      } catch (error) {
        throw inputs.length > 1 ? validationError(`entry ${index + 1}: ${(error as Error).message}`) : error;
      }
    });
    const entries = [...byKey.values()];
    if (entries.length === 0) return { imported: 0, updated: 0 };
    const result = await this.db.forTenant(tenantId).transaction(async (client) => {
      await lockBot(client, tenantId, botId);
      const keys = entries.map((entry) => entry.key);
      const added = keys.length - (await existingKeys(client, tenantId, botId, keys)).size;
      const held = await countCurated(client, tenantId, botId);
      if (held + added > this.maxPerBot) throw this.full(botId, held, added);
      return upsertCurated(
        client,
        tenantId,
        botId,
        entries.map(() => randomUUID()),
        entries,
      );
    });
    this.forget(tenantId, botId);
    return { imported: result.inserted, updated: result.updated };
  }

  private full(botId: string, held?: number, added?: number): ParleyError {
    const detail = held === undefined ? '' : ` (it holds ${held}; this adds ${added})`;
    return validationError(
      `bot ${botId} may hold at most ${this.maxPerBot} curated answers${detail}: delete some first`,
    );
  }

  private forget(tenantId: string, botId: string): void {
    this.cache.delete(cacheKey(tenantId, botId));
  }

  /** The tenants whose bots' entries are held (GenerationFollower). */
  *tenants(): Iterable<string> {
    for (const key of this.cache.keys()) yield key.slice(0, key.indexOf('\u0000'));
  }

  /** Drops the tenant's indexes (another process changed its entries): read again on use. */
  changed(tenantId: string): void {
    const prefix = cacheKey(tenantId, '');
    for (const key of [...this.cache.keys()]) if (key.startsWith(prefix)) this.cache.delete(key);
  }
}

const cacheKey = (tenantId: string, botId: string) => `${tenantId}\u0000${botId}`;

function prepareQuestion(question: string): { question: string; key: string } {
  const trimmed = question.trim();
  if (trimmed.length > MAX_QUESTION_CHARS)
    throw validationError(`question must be at most ${MAX_QUESTION_CHARS} characters`);
  const key = normaliseQuestion(trimmed);
  if (!key) throw validationError('question must contain at least one word');
  return { question: trimmed, key };
}

function prepareAnswer(answer: string): string {
  const trimmed = answer.trim();
  if (!trimmed) throw validationError('answer must not be empty');
  if (trimmed.length > MAX_ANSWER_CHARS)
    throw validationError(`answer must be at most ${MAX_ANSWER_CHARS} characters`);
  return trimmed;
}

function prepare(input: { question: string; answer: string }): CuratedInput {
  return { ...prepareQuestion(input.question), answer: prepareAnswer(input.answer) };
}

function duplicate(question: string): ParleyError {
  return new ParleyError(
    'PARLEY_ERR_CONFLICT',
    `this bot has a curated answer for "${question.trim().slice(0, 200)}" already (questions are compared without case and punctuation)`,
  );
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
