// Bots: each tenant's named chat configurations (models and routing, system prompt, retrieval
// and relevance settings, guard policy). A turn resolves its bot into a profile: the settings
// over the server's defaults, with the model chains built from the shared model catalog.
// Profiles are cached for a few seconds and refreshed in the background (RefreshAheadCache), so
// the critical path does not read the bots table; a change made through this process applies at
// once, one made through another replica within the cache's lifetime plus one turn.

import { createHash } from 'node:crypto';
import { isParleyError, notFound, ParleyError, validationError } from '../../errors/index.js';
import { DEFAULT_GUARD_POLICY, GuardPolicy, type PiiPolicy } from '../../guard/index.js';
import type { BackgroundLoops, LoopHandle } from '../../jobs/index.js';
import type { ModelCatalog, ModelChain } from '../../models/index.js';
import { ModelRouter } from '../../models/routing/model-router.js';
import { type Database, RefreshAheadCache } from '../../storage/index.js';
import type { Logger } from '../../telemetry/index.js';
import { DEFAULT_CURATED_THRESHOLD } from '../curated/index.js';
import { ruleText } from '../handoff-triggers.js';
import { type PromptVersion, promptVersionId, registerPrompt } from '../prompt-versions.js';
import { DEFAULT_INTENT_POLICY, type IntentPolicy } from '../understand-message.js';
import {
  BOT_ID,
  type BotDefaults,
  type BotSettings,
  botSettingsSchema,
  DEFAULT_BOT,
  effectiveSettings,
  mergeSettings,
} from './bot-settings.js';
import { type BotRow, deleteBot, findBot, insertBot, listBots, upsertBot } from './bot-store.js';

/** What a turn of one bot uses. */
export interface BotProfile {
  id: string;
  name: string;
  /** Chooses the model chain per turn; absent: extractive answers. */
  router: ModelRouter | undefined;
  prompt: PromptVersion;
  topK: number;
  contextTokens: number;
  /** Longest answer a model may write, in tokens. */
  maxAnswerTokens: number;
  minRelevance: number;
  /** The bot's guardrail policy, defaults applied. */
  guard: GuardPolicy;
  /** Whether a question asked again may be answered from the answer cache. */
  answerCache: boolean;
  /** The cosine a question needs to an earlier one for a semantic hit (undefined: the server's). */
  answerCacheSimilarity?: number;
  /** What the bot does with a message's intent. */
  intents: IntentPolicy;
  /** The score a message needs against a curated question to be given its answer. */
  curatedMinScore: number;
  /** Whether its users' long-term memories are kept and recalled (the `memory` setting). */
  memory: boolean;
  /** The tools the bot's model may call, by name, and the steps a turn may take (none: no tools). */
  tools: { allow: readonly string[]; maxSteps: number; approver: 'user' | 'operator' };
  /**
   * Changes whenever anything that shapes the bot's answers does (its effective settings, the
   * prompt's version among them): caches of its answers key on it.
   */
  fingerprint: string;
}

/** A bot as the API shows it: its own settings and what they amount to over the defaults. */
export interface BotView extends Omit<BotRow, 'created_at' | 'updated_at'> {
  effective: BotDefaults;
  prompt_version: string;
  created_at: string | null;
  updated_at: string | null;
}

/** How often a process asks whether another changed a bot of a tenant it has cached. */
export const BOT_POLL_MS = 250;

/** Model calls that may ask for tools in one turn, unless the bot says otherwise. */
export const DEFAULT_TOOL_STEPS = 4;

const CACHE_TTL_MS = 5_000;
const CACHE_MAX_STALE_MS = 30_000;
const CACHE_MAX = 10_000;

/** A per-tenant cache that the bot generation's poll keeps honest. */
export interface GenerationFollower {
  /** The tenants it holds something of. */
  tenants(): Iterable<string>;
  /** Another process changed something of the tenant: drop what is held. */
  changed(tenantId: string): void;
}

export class Bots {
  private readonly cache = new RefreshAheadCache<BotProfile>(
    (key) => {
      const [tenantId, id] = key.split('\u0000') as [string, string];
      return this.load(tenantId, id);
    },
    { ttlMs: CACHE_TTL_MS, maxStaleMs: CACHE_MAX_STALE_MS, max: CACHE_MAX },
  );

  /** Each cached tenant's bot generation at the last poll. */
  private readonly generations = new Map<string, number>();
  /** Other caches that follow the bot generation (curated answers, tools): see followers. */
  private readonly followers: GenerationFollower[] = [];
  private poller: LoopHandle | undefined;

  constructor(
    private readonly db: Database,
    private readonly catalog: ModelCatalog,
    readonly defaults: BotDefaults,
    private readonly log: Logger,
    /** The cheapest priced model of a list (by the price table), for turns over budget. */
    private readonly cheapestOf: (refs: readonly string[]) => string | undefined = () => undefined,
    /** The models (or `provider:*` patterns) tenants may choose; undefined: any. */
    private readonly tenantChoices?: readonly string[],
    /** Models of its own one tenant may choose across its bots (PARLEY_TENANT_MAX_MODELS). */
    private readonly tenantMaxModels: number = MAX_TENANT_MODELS,
  ) {}

  /** The bot's profile; 404 for a bot the tenant does not have. */
  resolve(tenantId: string, id: string = DEFAULT_BOT): Promise<BotProfile> {
    return this.cache.get(`${tenantId}\u0000${id}`);
  }

  /**
   * The bot's profile, or undefined for a bot deleted since (a stored answer's, a memory's): text
   * stored for it then gets the default redaction (`redactPii` with no policy redacts every type).
   */
  async resolveIfKept(tenantId: string, id: string): Promise<BotProfile | undefined> {
    try {
      return await this.resolve(tenantId, id);
    } catch (error) {
      if (isParleyError(error) && error.code === 'PARLEY_ERR_NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** The PII policy text stored for the bot's users keeps (undefined: the default, every type redacted). */
  async piiPolicyOf(tenantId: string, id: string): Promise<PiiPolicy | undefined> {
    return (await this.resolveIfKept(tenantId, id))?.guard.pii;
  }

  /** The PII policy of the bot's answers, which a person's reply in its conversation keeps too. */
  async answerPiiPolicyOf(tenantId: string, id: string): Promise<PiiPolicy> {
    return ((await this.resolveIfKept(tenantId, id))?.guard ?? DEFAULT_GUARD_POLICY).output.pii;
  }

  /**
   * Reads the bot generations of the tenants with cached profiles and drops the profiles of those
   * whose generation moved since the last poll (one of their bots changed, in any process). The
   * cache's own lifetime still bounds what a lost poll could leave.
   */
  async poll(): Promise<void> {
    const tenants = new Set<string>();
    for (const key of this.cache.keys()) tenants.add(key.slice(0, key.indexOf('\u0000')));
    for (const follower of this.followers) for (const tenant of follower.tenants()) tenants.add(tenant);
    if (tenants.size === 0) return;
    const rows = await this.db.query<{ tenant_id: string; generation: string }>(
      'select tenant_id, generation from bot_generations where tenant_id = any($1::text[])',
      [[...tenants]],
    );
    const current = new Map(rows.map((row) => [row.tenant_id, Number(row.generation)]));
    const moved = new Set<string>();
    for (const tenant of tenants) {
      // No row yet: none of the tenant's bots was ever written (the first write makes it 1).
      const generation = current.get(tenant) ?? 0;
      const known = this.generations.get(tenant);
      if (known !== undefined && generation > known) moved.add(tenant);
      this.generations.set(tenant, generation);
    }
    if (this.generations.size > CACHE_MAX) this.generations.clear();
    if (moved.size === 0) return;
    for (const key of [...this.cache.keys()]) {
      if (moved.has(key.slice(0, key.indexOf('\u0000')))) this.cache.delete(key);
    }
    for (const tenant of moved) for (const follower of this.followers) follower.changed(tenant);
  }

  /**
   * Has the poll follow the tenants `follower` caches too, and tell it of each whose bot generation
   * moved: a bot, a curated answer or an HTTP tool of it changed, in any process.
   */
  follow(follower: GenerationFollower): void {
    this.followers.push(follower);
  }

  /** Starts polling the bot generations (server processes). */
  start(loops: BackgroundLoops, pollMs = BOT_POLL_MS): void {
    this.poller ??= loops.loop('bot-generations-poll', () => this.poll(), {
      everyMs: pollMs,
      backoff: { firstMs: pollMs, maxMs: 5_000 },
    });
  }

  async stop(): Promise<void> {
    await this.poller?.stop();
    this.poller = undefined;
  }

  async list(tenantId: string): Promise<BotView[]> {
    const rows = await listBots(this.db.forTenant(tenantId), tenantId);
    if (!rows.some((row) => row.id === DEFAULT_BOT)) rows.unshift(this.defaultRow());
    return rows.map((row) => this.view(row));
  }

  async get(tenantId: string, id: string): Promise<BotView> {
    return this.view(await this.row(tenantId, id));
  }

  async create(tenantId: string, input: { id: string; name?: string; settings?: unknown }): Promise<BotView> {
    if (!BOT_ID.test(input.id)) {
      throw validationError(
        'id must be 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit',
      );
    }
    if (input.id === DEFAULT_BOT) {
      throw new ParleyError('PARLEY_ERR_CONFLICT', `bot ${DEFAULT_BOT} always exists: change it with PATCH`);
    }
    const settings = await this.prepare(tenantId, input.id, botSettingsSchema.parse(input.settings ?? {}));
    const row = await insertBot(this.db.forTenant(tenantId), tenantId, {
      id: input.id,
      name: input.name ?? input.id,
      settings,
    });
    this.forget(tenantId, input.id);
    return this.view(row);
  }

  /** Changes a bot's name and settings (see mergeSettings); the default bot gets an override row. */
  async update(
    tenantId: string,
    id: string,
    patch: { name?: string; settings?: Record<string, unknown> },
  ): Promise<BotView> {
    const current = await this.row(tenantId, id);
    const settings = await this.prepare(tenantId, id, mergeSettings(current.settings, patch.settings ?? {}));
    const row = await upsertBot(this.db.forTenant(tenantId), tenantId, {
      id,
      name: patch.name ?? current.name,
      settings,
    });
    this.forget(tenantId, id);
    return this.view(row);
  }

  /**
   * Deletes a bot and its curated answers; for the default bot, deletes the override (back to the
   * server's defaults) and keeps its curated answers.
   */
  async remove(tenantId: string, id: string): Promise<void> {
    const deleted = await deleteBot(this.db.forTenant(tenantId), tenantId, id, {
      curated: id !== DEFAULT_BOT,
    });
    this.forget(tenantId, id);
    if (!deleted && id !== DEFAULT_BOT) throw notFound('bot');
  }

  private async row(tenantId: string, id: string): Promise<BotRow> {
    const row = await findBot(this.db.forTenant(tenantId), tenantId, id);
    if (row) return row;
    if (id === DEFAULT_BOT) return this.defaultRow();
    throw notFound('bot');
  }

  private defaultRow(): BotRow {
    return { id: DEFAULT_BOT, name: DEFAULT_BOT, settings: {}, created_at: '', updated_at: '' };
  }

  private view(row: BotRow): BotView {
    const effective = effectiveSettings(this.defaults, row.settings);
    return {
      id: row.id,
      name: row.name,
      settings: row.settings,
      effective,
      prompt_version: promptVersionId(effective.system_prompt),
      created_at: row.created_at || null,
      updated_at: row.updated_at || null,
    };
  }

  /**
   * Checks that the models may be chosen and can be served, and stores a new system prompt's
   * version. A tenant chooses among the operator's allowed models, at most `tenantMaxModels` of
   * its own across its bots: every model holds a client, a circuit breaker and metric series in
   * the server's catalog, which one tenant must not fill for the others (and the models no bot
   * names any more are evicted from it when room is needed: makeRoom).
   */
  private async prepare(tenantId: string, botId: string, settings: BotSettings): Promise<BotSettings> {
    const chosen = [...(settings.models ?? []), ...(settings.escalation_models ?? [])];
    const own = new Set([...this.defaults.models, ...this.defaults.escalation_models]);
    const refused = chosen.find((ref) => !own.has(ref) && !allowedChoice(ref, this.tenantChoices));
    if (refused) {
      throw validationError(
        `settings.models: ${refused} is not among the models this server lets tenants choose (${this.tenantChoices?.join(', ')})`,
      );
    }
    if (chosen.some((ref) => !own.has(ref))) {
      const others = (await listBots(this.db.forTenant(tenantId), tenantId))
        .filter((row) => row.id !== botId)
        .flatMap((row) => [...(row.settings.models ?? []), ...(row.settings.escalation_models ?? [])]);
      const distinct = new Set([...others, ...chosen].filter((ref) => !own.has(ref)));
      if (distinct.size > this.tenantMaxModels) {
        throw validationError(
          `settings.models: a tenant may choose at most ${this.tenantMaxModels} models across its bots (this makes ${distinct.size})`,
        );
      }
    }
    try {
      await this.makeRoom(chosen);
      this.catalog.validate(chosen);
    } catch (error) {
      if (isParleyError(error)) throw validationError(`settings.models: ${error.message}`);
      throw error;
    }
    // The guard policy is validated whole (a bad value is a 400 naming it), stored as given.
    GuardPolicy.parse(settings.guard ?? {});
    if (settings.system_prompt) await registerPrompt(this.db, settings.system_prompt, tenantId);
    return settings;
  }

  /**
   * When `refs` do not fit in the catalog, evicts the models no bot of any tenant names (a deleted
   * or changed bot's), keeping the server's own. The catalog is this process's; the bots are
   * read from the database (every tenant's, as the owner), so another replica's deletions count.
   */
  private async makeRoom(refs: readonly string[]): Promise<void> {
    if (this.catalog.overflow(refs) === 0) return;
    const rows = await this.db.query<{ ref: string }>(
      `select distinct ref from bots,
         jsonb_array_elements_text(
           case jsonb_typeof(settings->'models') when 'array' then settings->'models' else '[]'::jsonb end
           || case jsonb_typeof(settings->'escalation_models') when 'array' then settings->'escalation_models' else '[]'::jsonb end
         ) as ref`,
    );
    const keep = new Set([
      ...this.defaults.models,
      ...this.defaults.escalation_models,
      ...rows.map((row) => row.ref),
    ]);
    const dropped = this.catalog.evict(keep);
    if (dropped > 0) this.log.info({ dropped }, 'models no bot uses evicted from the catalog');
  }

  private forget(tenantId: string, id: string) {
    this.cache.delete(`${tenantId}\u0000${id}`);
  }

  private async load(tenantId: string, id: string): Promise<BotProfile> {
    // The generation first: a change landing between it and the row reads as a change (one more
    // load), never as none.
    if (!this.generations.has(tenantId)) {
      const rows = await this.db
        .forTenant(tenantId)
        .query<{ generation: string }>('select generation from bot_generations where tenant_id = $1', [
          tenantId,
        ]);
      if (!this.generations.has(tenantId)) this.generations.set(tenantId, Number(rows[0]?.generation ?? 0));
    }
    const row = await this.row(tenantId, id);
    const settings = effectiveSettings(this.defaults, row.settings);
    await this.makeRoom([...settings.models, ...settings.escalation_models]);
    const chain = this.chainOf(settings.models, row.id);
    const escalation =
      chain && settings.escalation_models.length > 0
        ? this.chainOf([...settings.escalation_models, ...settings.models], row.id)
        : undefined;
    const cheapest = chain ? this.cheapestOf((escalation ?? chain).models) : undefined;
    return {
      id: row.id,
      name: row.name,
      router: chain
        ? new ModelRouter(
            chain,
            escalation,
            {
              queryTokens: settings.escalation.query_tokens,
              conversationMessages: settings.escalation.conversation_messages,
              belowCoverage: settings.escalation.below_coverage,
            },
            cheapest ? this.catalog.chain([cheapest]) : undefined,
          )
        : undefined,
      prompt: { id: promptVersionId(settings.system_prompt), text: settings.system_prompt },
      topK: settings.top_k,
      contextTokens: settings.context_tokens,
      maxAnswerTokens: settings.max_answer_tokens,
      minRelevance: settings.min_relevance,
      guard: GuardPolicy.parse(row.settings.guard ?? {}),
      answerCache: settings.answer_cache,
      ...(row.settings.answer_cache_similarity === undefined
        ? {}
        : { answerCacheSimilarity: row.settings.answer_cache_similarity }),
      intents: intentPolicy(row.settings.intents),
      curatedMinScore: row.settings.curated_min_score ?? DEFAULT_CURATED_THRESHOLD,
      memory: row.settings.memory ?? false,
      tools: {
        allow: row.settings.tools?.allow ?? [],
        maxSteps: row.settings.tools?.max_steps ?? DEFAULT_TOOL_STEPS,
        approver: row.settings.tools?.approver ?? 'user',
      },
      fingerprint: createHash('sha256')
        .update(JSON.stringify([row.id, settings, row.settings.guard ?? {}]))
        .digest('base64url'),
    };
  }

  /**
   * The chain of the models this process can serve. A model whose provider is no longer
   * configured (settings outlive configuration changes) is left out and logged, not fatal.
   */
  private chainOf(refs: string[], bot: string): ModelChain | undefined {
    const usable = refs.filter((ref) => {
      try {
        this.catalog.validate([ref]);
        return true;
      } catch (error) {
        this.log.warn({ err: error, bot, model: ref }, 'bot names a model this server cannot serve; skipped');
        return false;
      }
    });
    return usable.length > 0 ? this.catalog.chain(usable) : undefined;
  }
}

/** Models of its own a tenant may choose across all its bots, unless configured. */
export const MAX_TENANT_MODELS = 16;

/** Whether `ref` is among `choices` (a reference, or `provider:*`); no list allows any. */
function allowedChoice(ref: string, choices: readonly string[] | undefined): boolean {
  if (!choices) return true;
  const provider = ref.slice(0, ref.indexOf(':') + 1);
  return choices.some(
    (choice) => choice === ref || (choice.endsWith(':*') && choice.slice(0, -1) === provider),
  );
}

/** A bot's `intents` setting over the defaults. */
function intentPolicy(setting: BotSettings['intents']): IntentPolicy {
  return {
    smallTalk: setting?.small_talk ?? DEFAULT_INTENT_POLICY.smallTalk,
    clarify: setting?.clarify ?? DEFAULT_INTENT_POLICY.clarify,
    handoff: setting?.handoff ?? DEFAULT_INTENT_POLICY.handoff,
    minScore: setting?.min_score ?? DEFAULT_INTENT_POLICY.minScore,
    handoffRules: setting?.handoff_rules?.map(ruleText).filter(Boolean) ?? DEFAULT_INTENT_POLICY.handoffRules,
    handoffAfterNotFound: setting?.handoff_after_not_found ?? DEFAULT_INTENT_POLICY.handoffAfterNotFound,
    splitMargin: setting?.clarify_split_margin ?? DEFAULT_INTENT_POLICY.splitMargin,
    modelStep: setting?.model_step ?? DEFAULT_INTENT_POLICY.modelStep,
    replies: {
      greeting: setting?.replies?.greeting ?? DEFAULT_INTENT_POLICY.replies.greeting,
      thanks: setting?.replies?.thanks ?? DEFAULT_INTENT_POLICY.replies.thanks,
      handoff: setting?.replies?.handoff ?? DEFAULT_INTENT_POLICY.replies.handoff,
    },
  };
}
