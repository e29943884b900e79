// What the turn runner needs to know of an HTTP request: who is accounted for the turn, the
// caller's trace context, when the request arrived, and when its client goes away.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../accounting/index.js';
import type { TurnContext } from '../orchestrator/index.js';

export function callerOf(request: FastifyRequest): Caller {
  const { tenantId, keyId, userId, visitorId } = request.principal;
  return {
    tenantId,
    keyId,
    ip: request.ip,
    ...(userId !== undefined ? { userId } : {}),
    ...(visitorId !== undefined ? { visitorId } : {}),
  };
}

/** Fires when the client goes away before its response is sent. */
function clientLeft(reply: FastifyReply): AbortSignal {
  const left = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableEnded) left.abort(new Error('client disconnected while waiting'));
  };
  reply.raw.once('close', onClose);
  return left.signal;
}

export function turnContext(request: FastifyRequest, reply: FastifyReply): TurnContext {
  return {
    caller: callerOf(request),
    headers: request.headers,
    receivedAt: request.receivedAt,
    authMs: request.authMs,
    signal: clientLeft(reply),
    // The trace id goes on the request's log lines and back in `x-trace-id`.
    onTraceId: (traceId) => {
      request.log = request.log.child({ trace_id: traceId });
      reply.header('x-trace-id', traceId);
    },
  };
}
