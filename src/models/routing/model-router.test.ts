import { describe, expect, it } from 'vitest';
import { ModelChain } from '../index.js';
import { ModelRouter } from './model-router.js';

const small = new ModelChain([]);
const strong = new ModelChain([]);
const rule = { queryTokens: 50, conversationMessages: 8, belowCoverage: 0.5 };

describe('ModelRouter', () => {
  it('uses the default chain when no rule fires', () => {
    const decision = new ModelRouter(small, strong, rule).route({
      queryTokens: 10,
      conversationMessages: 2,
      coverage: 0.9,
    });
    expect(decision).toEqual({ chain: small, route: 'default', reasons: [] });
  });

  it.each([
    [{ queryTokens: 50, conversationMessages: 0, coverage: 1 }, /question of 50 tokens/],
    [{ queryTokens: 5, conversationMessages: 8, coverage: 1 }, /conversation of 8 messages/],
    [{ queryTokens: 5, conversationMessages: 0, coverage: 0.4 }, /cover 0.40/],
  ])('escalates on %j', (signals, reason) => {
    const decision = new ModelRouter(small, strong, rule).route(signals);
    expect(decision.chain).toBe(strong);
    expect(decision.route).toBe('escalated');
    expect(decision.reasons.join(' ')).toMatch(reason);
  });

  it('never escalates without an escalation chain, and a 0 threshold turns its rule off', () => {
    expect(
      new ModelRouter(small, undefined, rule).route({
        queryTokens: 500,
        conversationMessages: 50,
        coverage: 0,
      }).chain,
    ).toBe(small);
    const off = { queryTokens: 0, conversationMessages: 0, belowCoverage: 0 };
    expect(
      new ModelRouter(small, strong, off).route({ queryTokens: 500, conversationMessages: 50, coverage: 0 })
        .route,
    ).toBe('default');
  });
});
