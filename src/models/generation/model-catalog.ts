// Every chat model the process uses, created once and shared: bots name models by reference
// (`provider:model`), and each reference maps to one client, one circuit breaker and one
// Retry-After cool-down, whichever bots and chains use it. The catalog holds at most `maxModels`;
// models no bot names any more are evicted when room is needed (Bots.makeRoom), so a deleted bot's
// models do not keep the place from other tenants.
import type { ProviderConnections } from '../../config/index.js';
import { ParleyError } from '../../errors/index.js';
import { createChatModels } from './create-chat-models.js';
import {
  type ChainOptions,
  ModelChain,
  type ModelSlot,
  type ModelState,
  modelSlot,
  slotState,
} from './model-chain.js';

/** Distinct models a server holds at once, unless configured (PARLEY_MAX_MODELS). */
export const DEFAULT_MAX_MODELS = 64;

export class ModelCatalog {
  private readonly slots = new Map<string, ModelSlot>();
  private readonly chains = new Map<string, { chain: ModelChain; refs: readonly string[] }>();

  constructor(
    private readonly providers: ProviderConnections,
    private readonly options: ChainOptions = {},
    readonly maxModels: number = DEFAULT_MAX_MODELS,
  ) {}

  /** How many of `refs` the catalog lacks room for (0: they fit). */
  overflow(refs: readonly string[]): number {
    const fresh = new Set(refs.filter((ref) => !this.slots.has(ref)));
    return Math.max(0, this.slots.size + fresh.size - this.maxModels);
  }

  /**
   * Drops every model not in `keep`, with the chains that name one (a turn already holding such a
   * chain finishes with it). Returns how many models were dropped.
   */
  evict(keep: ReadonlySet<string>): number {
    const dropped = new Set([...this.slots.keys()].filter((ref) => !keep.has(ref)));
    if (dropped.size === 0) return 0;
    for (const ref of dropped) this.slots.delete(ref);
    for (const [key, entry] of [...this.chains]) {
      if (entry.refs.some((ref) => dropped.has(ref))) this.chains.delete(key);
    }
    return dropped.size;
  }

  /**
   * The chain of these models, primary first (cached per list). Throws PARLEY_ERR_CONFIG for a
   * reference whose provider is unknown or not configured.
   */
  chain(refs: readonly string[]): ModelChain {
    const key = refs.join('\u0000');
    let entry = this.chains.get(key);
    if (!entry) {
      entry = {
        chain: new ModelChain(
          refs.map((ref) => this.slot(ref)),
          this.options,
        ),
        refs: [...refs],
      };
      this.chains.set(key, entry);
    }
    return entry.chain;
  }

  /** Checks that every reference can be served, without keeping anything. */
  validate(refs: readonly string[]): void {
    const fresh = [...new Set(refs.filter((ref) => !this.slots.has(ref)))];
    if (this.slots.size + fresh.length > this.maxModels) {
      // Each model has a client, a breaker and metric series: keep their number bounded.
      throw new ParleyError(
        'PARLEY_ERR_CONFIG',
        `the server's ${this.maxModels} models are all in use by bots (PARLEY_MAX_MODELS)`,
      );
    }
    createChatModels(fresh, this.providers);
  }

  /** Circuit state of every model used so far. */
  states(): ModelState[] {
    return [...this.slots.values()].map(slotState);
  }

  private slot(ref: string): ModelSlot {
    let slot = this.slots.get(ref);
    if (!slot) {
      this.validate([ref]);
      const [model] = createChatModels([ref], this.providers);
      slot = modelSlot(model!, this.options);
      this.slots.set(ref, slot);
    }
    return slot;
  }
}
