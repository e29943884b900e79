// When a failed webhook delivery is tried again: after a pause that doubles with each attempt
// (with jitter, so that deliveries failing together do not return together), or after what the
// receiver asked for in Retry-After, within bounds.

/** How a delivery's HTTP answer is taken: done, worth another try, or never going to work. */
export type DeliveryVerdict = 'delivered' | 'retry' | 'permanent';

/** 2xx delivered; 408, 429 and 5xx may pass later; any other answer will not (a 4xx: fix the setup). */
export function verdictOf(status: number): DeliveryVerdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'permanent';
}

export interface RetrySchedule {
  /** The pause after the first failed attempt (ms). */
  firstMs: number;
  /** The longest pause (ms), Retry-After included. */
  maxMs: number;
}

/**
 * The pause before the next attempt, after `attempts` failed ones: `firstMs` doubled per attempt,
 * up to `maxMs`, between half of it and all of it (`random` in [0, 1)).
 */
export function retryDelayMs(schedule: RetrySchedule, attempts: number, random = Math.random()): number {
  const full = Math.min(schedule.maxMs, schedule.firstMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(full / 2 + (full / 2) * random);
}

/** Retry-After as a pause (ms): seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The pause before the next attempt: the receiver's Retry-After when it gave one (capped), else the backoff. */
export function nextAttemptDelayMs(
  schedule: RetrySchedule,
  attempts: number,
  retryAfter: number | undefined,
  random = Math.random(),
): number {
  if (retryAfter !== undefined) return Math.min(schedule.maxMs, retryAfter);
  return retryDelayMs(schedule, attempts, random);
}
