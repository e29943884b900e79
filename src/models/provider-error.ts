// Turns what the AI SDK throws into a ParleyError that says whether a retry may succeed, so the
// model chain and the job queue can decide without knowing the SDK's error classes.
import { APICallError, RetryError } from 'ai';
import { ParleyError } from '../errors/index.js';

/** Statuses worth retrying: timeout, conflict, rate limit, and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

function describe(error: unknown): { detail: string; isRetryable: boolean } {
  if (RetryError.isInstance(error)) {
    const last = describe(error.lastError);
    return {
      detail: `${last.detail} (after ${error.errors.length} attempts)`,
      isRetryable: last.isRetryable,
    };
  }
  if (APICallError.isInstance(error)) {
    if (error.statusCode === undefined) return { detail: error.message, isRetryable: error.isRetryable };
    return {
      detail: `HTTP ${error.statusCode}: ${error.message}`,
      isRetryable: isRetryableStatus(error.statusCode),
    };
  }
  return { detail: error instanceof Error ? error.message : String(error), isRetryable: false };
}

/** `what` names the dependency, e.g. 'embedding provider'. */
export function providerError(what: string, error: unknown): ParleyError {
  const { detail, isRetryable } = describe(error);
  return new ParleyError('PARLEY_ERR_DEPENDENCY', `${what} failed: ${detail}`, { cause: error, isRetryable });
}
