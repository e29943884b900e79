// Every chat model the process uses, created once and shared: bots name models by reference
// (`provider:model`), and each reference maps to one client, one circuit breaker and one
// Retry-After cool-down, whichever bots and chains use it.
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

const MAX_MODELS = 64;

export class ModelCatalog {
  private readonly slots = new Map<string, ModelSlot>();
  private readonly chains = new Map<string, ModelChain>();

  constructor(
    private readonly providers: ProviderConnections,
    private readonly options: ChainOptions = {},
  ) {}

  /**
   * The chain of these models, primary first (cached per list). Throws PARLEY_ERR_CONFIG for a
   * reference whose provider is unknown or not configured.
   */
  chain(refs: readonly string[]): ModelChain {
    const key = refs.join(',');
    let chain = this.chains.get(key);
    if (!chain) {
      chain = new ModelChain(
        refs.map((ref) => this.slot(ref)),
        this.options,
      );
      this.chains.set(key, chain);
    }
    return chain;
  }

  /** Checks that every reference can be served, without keeping anything. */
  validate(refs: readonly string[]): void {
    const fresh = [...new Set(refs.filter((ref) => !this.slots.has(ref)))];
    if (this.slots.size + fresh.length > MAX_MODELS) {
      // Each model has a client, a breaker and metric series: keep their number bounded.
      throw new ParleyError('PARLEY_ERR_CONFIG', `at most ${MAX_MODELS} distinct models per server`);
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
