import { describe, expect, it } from 'vitest';
import { nextAttemptDelayMs, retryAfterMs, retryDelayMs, verdictOf } from './retry-schedule.js';

const schedule = { firstMs: 1_000, maxMs: 60_000 };

describe('retry schedule', () => {
  it('doubles the pause per attempt, with jitter in its upper half, up to the cap', () => {
    expect(retryDelayMs(schedule, 1, 0)).toBe(500);
    expect(retryDelayMs(schedule, 1, 0.999_999)).toBe(1_000);
    expect(retryDelayMs(schedule, 3, 0.999_999)).toBe(4_000);
    expect(retryDelayMs(schedule, 3, 0)).toBe(2_000);
    expect(retryDelayMs(schedule, 30, 0.999_999)).toBe(60_000);
  });

  it('reads Retry-After as seconds or as a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it("honours the receiver's Retry-After, within the cap", () => {
    expect(nextAttemptDelayMs(schedule, 1, 7_000, 0)).toBe(7_000);
    expect(nextAttemptDelayMs(schedule, 1, 3_600_000, 0)).toBe(60_000);
    expect(nextAttemptDelayMs(schedule, 2, undefined, 0)).toBe(1_000);
  });

  it('retries 5xx, 429 and 408, and takes any other 4xx as final', () => {
    expect(verdictOf(200)).toBe('delivered');
    expect(verdictOf(204)).toBe('delivered');
    expect(verdictOf(500)).toBe('retry');
    expect(verdictOf(503)).toBe('retry');
    expect(verdictOf(429)).toBe('retry');
    expect(verdictOf(408)).toBe('retry');
    expect(verdictOf(400)).toBe('permanent');
    expect(verdictOf(404)).toBe('permanent');
    expect(verdictOf(410)).toBe('permanent');
    expect(verdictOf(301)).toBe('permanent');
  });
});
