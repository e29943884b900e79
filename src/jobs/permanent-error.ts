// Which failures no retry can fix: a background write that fails with one is given up at once
// (as bullmq's UnrecoverableError) instead of being retried for a minute while it holds a slot of
// the turn gate's pending-writes bound.

/** A task's failure that trying again cannot fix; `isPermanentError` also knows it by its mark. */
export class PermanentError extends Error {
  /** The mark `isPermanentError` reads (it works across module copies and worker boundaries). */
  readonly permanent = true;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: an invalid byte sequence, a lone surrogate, a
 * value out of range) and integrity constraint violations (class 23): the same statement with the
 * same values fails the same way every time.
 */
const PERMANENT_SQLSTATE = /^2[23][0-9A-Z]{3}$/;
/** How deep the `cause` chain is followed (a wrapped database error is one or two levels down). */
const MAX_CAUSES = 4;

/** Whether `error` (or an error it wraps) is one that retrying cannot fix. */
export function isPermanentError(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth <= MAX_CAUSES; depth++) {
    if (typeof current !== 'object' || current === null) return false;
    const { permanent, code, cause } = current as { permanent?: unknown; code?: unknown; cause?: unknown };
    if (permanent === true) return true;
    if (typeof code === 'string' && PERMANENT_SQLSTATE.test(code)) return true;
    current = cause;
  }
  return false;
}
