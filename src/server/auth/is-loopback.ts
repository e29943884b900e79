// Whether a request truly comes from this machine. A forwarding header means a proxy relayed it
// from elsewhere, so it is not treated as local even though the socket is loopback.
import type { FastifyRequest } from 'fastify';

export function isLoopbackRequest(request: FastifyRequest): boolean {
  const headers = request.headers;
  if (headers['x-forwarded-for'] || headers.forwarded || headers['x-real-ip']) return false;
  const address = request.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
