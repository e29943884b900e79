import { describe, expect, it } from 'vitest';
import { PriceTable } from './price-table.js';

const tokens = (inputTokens: number, outputTokens: number, cachedInputTokens = 0) => ({
  inputTokens,
  outputTokens,
  cachedInputTokens,
});

describe('PriceTable', () => {
  const table = new PriceTable();

  it('prices gpt-4o-mini at its list price per million tokens', () => {
    expect(table.cost('openai:gpt-4o-mini', tokens(1_000_000, 1_000_000))).toEqual({
      costUsd: 0.75,
      priced: true,
    });
  });

  it('charges cached input at the cached price', () => {
    const { costUsd } = table.cost('openai:gpt-4o', tokens(1_000_000, 0, 400_000));
    expect(costUsd).toBeCloseTo(0.6 * 2.5 + 0.4 * 1.25, 10);
  });

  it('never counts more cached tokens than input tokens', () => {
    const { costUsd } = table.cost('openai:gpt-4o', tokens(100, 0, 1000));
    expect(costUsd).toBeCloseTo((100 * 1.25) / 1e6, 12);
  });

  it('finds dated and -latest references by their base model', () => {
    expect(table.price('anthropic:claude-3-5-haiku-latest')).toEqual(
      table.price('anthropic:claude-3-5-haiku'),
    );
    expect(table.price('anthropic:claude-sonnet-4-20250514')?.output).toBe(15);
    expect(table.price('openai:gpt-4o-2024-08-06')?.input).toBe(2.5);
  });

  it('costs an unknown model 0 and says it is unpriced', () => {
    expect(table.cost('openai:my-local-llama', tokens(5000, 500))).toEqual({ costUsd: 0, priced: false });
  });

  it('lets configuration override and add prices; cached input defaults to input', () => {
    const custom = new PriceTable({
      'openai:gpt-4o-mini': { input: 1, output: 2, cached_input: 0.5 },
      'openai:local': { input: 0.01, output: 0.02 },
    });
    expect(custom.price('openai:gpt-4o-mini')).toEqual({ input: 1, cachedInput: 0.5, output: 2 });
    expect(custom.price('openai:local')).toEqual({ input: 0.01, cachedInput: 0.01, output: 0.02 });
  });

  it('picks the cheapest priced model of a list, ignoring unpriced ones', () => {
    expect(
      table.cheapest(['anthropic:claude-sonnet-4', 'openai:unknown', 'openai:gpt-4o-mini', 'openai:gpt-4o']),
    ).toBe('openai:gpt-4o-mini');
    expect(table.cheapest(['openai:unknown'])).toBeUndefined();
  });

  it('charges an unpriced turn at the highest price of each kind in the table, overrides included', () => {
    const table = new PriceTable({ 'openai:gold': { input: 500, output: 900 } });
    const tokens = { inputTokens: 1_000_000, cachedInputTokens: 0, outputTokens: 1_000_000 };
    expect(table.ceilingCost(tokens)).toBe(1400);
    expect(new PriceTable().ceilingCost(tokens)).toBeGreaterThanOrEqual(
      new PriceTable().cost('openai:gpt-4o', tokens).costUsd,
    );
  });
});
