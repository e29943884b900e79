// Routing: the small, fast model chain by default; the escalation chain when a configured rule
// says the question needs more: a long question, a long conversation, or passages that only
// partly cover the question. The escalation chain ends with the default models as fallbacks.
import type { ModelChain } from '../models/index.js';

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
  route: 'default' | 'escalated';
  /** Which rules fired, for the trace. */
  reasons: string[];
}

export interface RouteSignals {
  queryTokens: number;
  conversationMessages: number;
  coverage: number;
}

export class ModelRouter {
  constructor(
    /** The small, fast chain (also used for background work such as summaries). */
    readonly defaultChain: ModelChain,
    private readonly escalationChain: ModelChain | undefined,
    private readonly rule: RoutingRule,
  ) {}

  route(signals: RouteSignals): RouteDecision {
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
