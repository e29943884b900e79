// Routing: the small, fast model chain by default; the escalation chain when a configured rule
// says the question needs more: a long question, a long conversation, or passages that only
// partly cover the question. The escalation chain ends with the default models as fallbacks.
import type { ModelChain } from '../generation/index.js';

export interface RoutingRule {
  /** Escalate questions of at least this many tokens (0: never on length). */
  queryTokens: number;
  /** Escalate once the conversation has this many earlier messages (0: never on length). */
  conversationMessages: number;
  /** Escalate when the passages cover less than this share of the question (0: never on coverage). */
  belowCoverage: number;
}

export interface RouteDecision {
  chain: ModelChain;
  route: 'default' | 'escalated' | 'cheapest';
  /** Which rules fired, for the trace. */
  reasons: string[];
}

export interface RouteSignals {
  queryTokens: number;
  conversationMessages: number;
  coverage: number;
  /** Over budget: take the cheapest chain when there is one. */
  preferCheapest?: boolean | undefined;
}

export class ModelRouter {
  constructor(
    /** The small, fast chain (also used for background work such as summaries). */
    readonly defaultChain: ModelChain,
    private readonly escalationChain: ModelChain | undefined,
    private readonly rule: RoutingRule,
    /** The bot's cheapest priced model alone, for turns over budget (absent: none is priced). */
    private readonly cheapestChain?: ModelChain,
  ) {}

  route(signals: RouteSignals): RouteDecision {
    if (signals.preferCheapest && this.cheapestChain) {
      return { chain: this.cheapestChain, route: 'cheapest', reasons: ['over budget: the cheapest model'] };
    }
    const reasons: string[] = [];
    if (this.escalationChain) {
      const { queryTokens, conversationMessages, belowCoverage } = this.rule;
      if (queryTokens > 0 && signals.queryTokens >= queryTokens) {
        reasons.push(`question of ${signals.queryTokens} tokens >= ${queryTokens}`);
      }
      if (conversationMessages > 0 && signals.conversationMessages >= conversationMessages) {
        reasons.push(`conversation of ${signals.conversationMessages} messages >= ${conversationMessages}`);
      }
      if (belowCoverage > 0 && signals.coverage < belowCoverage) {
        reasons.push(`passages cover ${signals.coverage.toFixed(2)} of the question < ${belowCoverage}`);
      }
    }
    return reasons.length > 0 && this.escalationChain
      ? { chain: this.escalationChain, route: 'escalated', reasons }
      : { chain: this.defaultChain, route: 'default', reasons };
  }
}
