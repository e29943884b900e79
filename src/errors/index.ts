// Errors are values with stable codes: every layer throws these, one HTTP error handler
// turns them into `{"error": {"code", "message"}}`, and the CLI prints their message.

/** The table of every error Parley raises on purpose: stable code -> HTTP status. */
export const ERROR_CODES = {
  PARLEY_ERR_VALIDATION: 400,
  PARLEY_ERR_UNAUTHORIZED: 401,
  PARLEY_ERR_BUDGET_EXCEEDED: 402,
  PARLEY_ERR_FORBIDDEN: 403,
  PARLEY_ERR_HOST_NOT_ALLOWED: 403,
  PARLEY_ERR_CROSS_SITE: 403,
  PARLEY_ERR_NOT_FOUND: 404,
  PARLEY_ERR_CONFLICT: 409,
  PARLEY_ERR_DOC_TOO_LARGE: 413,
  PARLEY_ERR_UNSUPPORTED_MEDIA: 415,
  PARLEY_ERR_UNREADABLE_DOCUMENT: 422,
  PARLEY_ERR_RATE_LIMITED: 429,
  PARLEY_ERR_INTERNAL: 500,
  PARLEY_ERR_MODEL_OUTPUT: 502,
  PARLEY_ERR_DEPENDENCY: 503,
  PARLEY_ERR_SHUTTING_DOWN: 503,
  /** A streamed answer's rest cannot be had (sent in a resumed stream, never as a status). */
  PARLEY_ERR_STREAM_LOST: 503,
  PARLEY_ERR_OVERLOADED: 503,
  PARLEY_ERR_CONFIG: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base error: a stable code, the HTTP status it maps to, and whether a retry may succeed. */
export class ParleyError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly isRetryable: boolean;
  /** Response headers that belong with this error (a 429's Retry-After). */
  readonly headers: Readonly<Record<string, string>>;
  /** Marks these objects so `isParleyError` works across module copies and worker boundaries. */
  readonly parleyError = true;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; isRetryable?: boolean; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ParleyError';
    this.code = code;
    this.httpStatus = ERROR_CODES[code];
    this.isRetryable = options.isRetryable ?? false;
    this.headers = options.headers ?? {};
  }
}

export function isParleyError(value: unknown): value is ParleyError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { parleyError?: unknown }).parleyError === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

export const validationError = (message: string) => new ParleyError('PARLEY_ERR_VALIDATION', message);
export const notFound = (what: string) => new ParleyError('PARLEY_ERR_NOT_FOUND', `${what} not found`);
