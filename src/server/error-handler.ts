// The one place errors become HTTP responses: `{"error": {"code", "message"}}`. Client mistakes
// get a 4xx with a clear message; anything unexpected is logged and answered with a generic 500.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isParleyError } from '../errors/index.js';

export interface ErrorBody {
  error: { code: string; message: string };
}

/** `path: message` for the first issues, whether a handler or a route schema found them. */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
    .join('; ');
}

// Fastify's own client-error codes, mapped to Parley's.
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PARLEY_ERR_DOC_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'PARLEY_ERR_DOC_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'PARLEY_ERR_UNSUPPORTED_MEDIA',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'PARLEY_ERR_UNSUPPORTED_MEDIA',
};

export function toErrorResponse(error: unknown): {
  status: number;
  body: ErrorBody;
  unexpected: boolean;
  headers?: Record<string, string>;
} {
  if (isParleyError(error)) {
    return {
      status: error.httpStatus,
      body: { error: { code: error.code, message: error.message } },
      unexpected: error.httpStatus >= 500,
    };
  }
  if (error instanceof z.ZodError) {
    return {
      status: 400,
      body: { error: { code: 'PARLEY_ERR_VALIDATION', message: describeIssues(error.issues) } },
      unexpected: false,
    };
  }
  // A route schema refused part of the request: the same message as a zod parse in the handler.
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => ({
      path: issue.instancePath.split('/').filter(Boolean),
      message: issue.message ?? 'invalid',
    }));
    return {
      status: 400,
      body: { error: { code: 'PARLEY_ERR_VALIDATION', message: describeIssues(issues) } },
      unexpected: false,
    };
  }
  // PostgreSQL refuses NUL characters and invalid byte sequences in text: the client's input.
  const pgCode = (error as { code?: unknown }).code;
  if (pgCode === '22021' || pgCode === '22P05') {
    return {
      status: 400,
      body: {
        error: {
          code: 'PARLEY_ERR_VALIDATION',
          message: 'text contains characters that cannot be stored (NUL)',
        },
      },
      unexpected: false,
    };
  }
  // Every database connection stayed busy for the pool's whole wait (pg-pool's timeout): the
  // server is overloaded, not broken. 503 with Retry-After tells clients and balancers to back off.
  if (error instanceof Error && error.message === 'timeout exceeded when trying to connect') {
    return {
      status: 503,
      body: {
        error: { code: 'PARLEY_ERR_DEPENDENCY', message: 'the server is overloaded; retry in a moment' },
      },
      unexpected: false,
      headers: { 'retry-after': '1' },
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = (fastifyError.code && FASTIFY_CODES[fastifyError.code]) ?? 'PARLEY_ERR_VALIDATION';
    const finalStatus = code === 'PARLEY_ERR_DOC_TOO_LARGE' ? 413 : status;
    return {
      status: finalStatus,
      body: { error: { code, message: fastifyError.message ?? 'bad request' } },
      unexpected: false,
    };
  }
  return {
    status: 500,
    body: {
      error: {
        code: 'PARLEY_ERR_INTERNAL',
        message: 'internal error; see the server log for this request id',
      },
    },
    unexpected: true,
  };
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body, unexpected, headers } = toErrorResponse(error);
  if (isParleyError(error) && error.headers) void reply.headers(error.headers);
  if (headers) void reply.headers(headers);
  if (unexpected) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.error.code, status }, 'request rejected');
  void reply.status(status).send(body);
}

/** Fastify's not-found handler, in the uniform error body. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send({
    error: {
      code: 'PARLEY_ERR_NOT_FOUND',
      message: `no route for ${request.method} ${request.url.split('?')[0]}`,
    },
  });
}
