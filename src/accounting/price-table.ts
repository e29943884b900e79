// What a turn costs: list prices in USD per million tokens, keyed by Parley's model references
// (`provider:model`), overridable by PARLEY_PRICES. A model without a price costs 0 and is
// reported as unpriced, never an error.

/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  /** Input tokens served from the provider's prompt cache. */
  cachedInput: number;
  output: number;
}

/** A price as written in PARLEY_PRICES: cached input defaults to the input price. */
export interface PriceSetting {
  input: number;
  cached_input?: number | undefined;
  output: number;
}

/** A turn's model tokens; `inputTokens` includes the cached ones. */
export interface TokenCounts {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
}

const p = (input: number, cachedInput: number, output: number): ModelPrice => ({
  input,
  cachedInput,
  output,
});

/**
 * Published list prices (standard tier, checked against the providers' pricing pages in 2025).
 * gpt-tokenizer ships OpenAI prices too, but its table (4.x) has none for gpt-4o-mini or the
 * gpt-4.1 minis and lists gpt-4.1 at $10/$30, so it is not used. Anthropic's cached input is the
 * cache-read price; cache writes are counted as plain input.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  'openai:gpt-4o': p(2.5, 1.25, 10),
  'openai:gpt-4o-mini': p(0.15, 0.075, 0.6),
  'openai:gpt-4.1': p(2, 0.5, 8),
  'openai:gpt-4.1-mini': p(0.4, 0.1, 1.6),
  'openai:gpt-4.1-nano': p(0.1, 0.025, 0.4),
  'openai:gpt-5': p(1.25, 0.125, 10),
  'openai:gpt-5-mini': p(0.25, 0.025, 2),
  'openai:gpt-5-nano': p(0.05, 0.005, 0.4),
  'openai:o1': p(15, 7.5, 60),
  'openai:o1-mini': p(1.1, 0.55, 4.4),
  'openai:o3': p(2, 0.5, 8),
  'openai:o3-mini': p(1.1, 0.55, 4.4),
  'openai:o4-mini': p(1.1, 0.275, 4.4),
  'anthropic:claude-3-haiku': p(0.25, 0.03, 1.25),
  'anthropic:claude-3-5-haiku': p(0.8, 0.08, 4),
  'anthropic:claude-3-5-sonnet': p(3, 0.3, 15),
  'anthropic:claude-3-7-sonnet': p(3, 0.3, 15),
  'anthropic:claude-3-opus': p(15, 1.5, 75),
  'anthropic:claude-haiku-4-5': p(1, 0.1, 5),
  'anthropic:claude-sonnet-4': p(3, 0.3, 15),
  'anthropic:claude-sonnet-4-5': p(3, 0.3, 15),
  'anthropic:claude-opus-4': p(15, 1.5, 75),
  'anthropic:claude-opus-4-1': p(15, 1.5, 75),
  'anthropic:claude-opus-4-5': p(5, 0.5, 25),
};

// Dated and alias suffixes name the same model: gpt-4o-2024-08-06, claude-3-5-haiku-20241022,
// claude-3-7-sonnet-latest.
const VERSION_SUFFIX = /-(latest|\d{8}|\d{4}-\d{2}-\d{2})$/;

/** A typical grounded turn, for comparing models by price: a long prompt, a short answer. */
const REFERENCE_TURN: TokenCounts = { inputTokens: 3000, cachedInputTokens: 0, outputTokens: 300 };

export class PriceTable {
  private readonly prices: Map<string, ModelPrice>;
  /** The highest price of each kind in the table (what an unpriced turn is charged at). */
  private readonly ceiling: ModelPrice;

  constructor(overrides: Readonly<Record<string, PriceSetting>> = {}) {
    this.prices = new Map(Object.entries(DEFAULT_PRICES));
    for (const [ref, price] of Object.entries(overrides)) {
      this.prices.set(ref, p(price.input, price.cached_input ?? price.input, price.output));
    }
    const all = [...this.prices.values()];
    this.ceiling = {
      input: Math.max(0, ...all.map((price) => price.input)),
      cachedInput: Math.max(0, ...all.map((price) => price.cachedInput)),
      output: Math.max(0, ...all.map((price) => price.output)),
    };
  }

  /** The price of a model reference, trying it without a date or `-latest` suffix too. */
  price(ref: string): ModelPrice | undefined {
    const exact = this.prices.get(ref);
    if (exact) return exact;
    const base = ref.replace(VERSION_SUFFIX, '');
    return base === ref ? undefined : this.prices.get(base);
  }

  /** The cost of a turn's tokens; an unpriced model costs 0. */
  cost(ref: string, tokens: TokenCounts): { costUsd: number; priced: boolean } {
    const price = this.price(ref);
    if (!price) return { costUsd: 0, priced: false };
    return { costUsd: this.costAt(price, tokens), priced: true };
  }

  private costAt(price: ModelPrice, tokens: TokenCounts): number {
    const cached = Math.min(tokens.cachedInputTokens, tokens.inputTokens);
    const micro =
      (tokens.inputTokens - cached) * price.input +
      cached * price.cachedInput +
      tokens.outputTokens * price.output;
    return micro / 1_000_000;
  }

  /**
   * What `tokens` would cost at the highest price in the table for each kind of token: what a
   * turn of a model without a price is charged against budgets, so that choosing an unpriced
   * model cannot escape one.
   */
  ceilingCost(tokens: TokenCounts): number {
    return this.costAt(this.ceiling, tokens);
  }

  /** The priced model of `refs` that costs least for a typical turn (undefined when none is priced). */
  cheapest(refs: readonly string[]): string | undefined {
    let best: { ref: string; cost: number } | undefined;
    for (const ref of refs) {
      if (!this.price(ref)) continue;
      const { costUsd } = this.cost(ref, REFERENCE_TURN);
      if (!best || costUsd < best.cost) best = { ref, cost: costUsd };
    }
    return best?.ref;
  }
}
