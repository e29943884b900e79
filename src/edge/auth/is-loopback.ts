// Whether a request truly comes from this machine. A forwarding header means a proxy relayed it
// from elsewhere, so it is not treated as local even though the socket is loopback. (A proxy
// that adds no such header, or a TCP tunnel, cannot be told apart: see docs/security.md, "The
// loopback rule".)
import type { FastifyRequest } from 'fastify';

const FORWARDING_HEADERS = [
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'forwarded',
  'x-real-ip',
  'via',
  'cf-connecting-ip',
  'true-client-ip',
  'x-client-ip',
];

export function isLoopbackRequest(request: FastifyRequest): boolean {
  const headers = request.headers;
  if (FORWARDING_HEADERS.some((name) => headers[name] !== undefined)) return false;
  const address = request.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
