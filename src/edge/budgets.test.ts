import { describe, expect, it } from 'vitest';
import { effectiveBudget } from './budgets.js';
import { periodOf } from './spend-ledger.js';

describe('effectiveBudget', () => {
  it('takes the configured budget when the tenant sets none', () => {
    expect(effectiveBudget(10, null)).toBe(10);
    expect(effectiveBudget(0, null)).toBe(0);
  });

  it('lets a tenant tighten the configured budget but never loosen it', () => {
    expect(effectiveBudget(10, 4)).toBe(4);
    expect(effectiveBudget(10, 25)).toBe(10);
  });

  it("takes the tenant's own budget where the server sets none", () => {
    expect(effectiveBudget(0, 3)).toBe(3);
  });
});

describe('periodOf', () => {
  const now = new Date('2025-12-31T23:59:59.500Z');

  it('names the UTC day and when it resets', () => {
    expect(periodOf('day', now)).toEqual({
      bucket: '2025-12-31',
      since: new Date('2025-12-31T00:00:00Z'),
      resetsAt: new Date('2026-01-01T00:00:00Z'),
    });
  });

  it('names the UTC month and when it resets, across a year', () => {
    expect(periodOf('month', now)).toEqual({
      bucket: '2025-12',
      since: new Date('2025-12-01T00:00:00Z'),
      resetsAt: new Date('2026-01-01T00:00:00Z'),
    });
  });
});
