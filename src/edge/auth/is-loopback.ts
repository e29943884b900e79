// Whether a request truly comes from this machine. A forwarding header means a proxy relayed it
// from elsewhere, so it is not treated as local even though the socket is loopback. (A proxy
// that adds no such header, or a TCP tunnel, cannot be told apart: see docs/security.md, "The
// loopback rule".)
import type { FastifyRequest } from 'fastify';

// Headers that proxies, load balancers and CDNs add to name the client they relay for. Any
// `X-Forwarded-*` header counts too (see isForwardingHeader).
const FORWARDING_HEADERS = new Set([
  'forwarded',
  'forwarded-for',
  'x-original-forwarded-for',
  'x-forwarded',
  'x-cluster-client-ip',
  'x-real-ip',
  'x-client-ip',
  'client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'fastly-client-ip',
  'akamai-client-ip',
  'x-appengine-user-ip',
  'x-azure-clientip',
  'x-envoy-external-address',
  'x-proxyuser-ip',
  'x-original-host',
  'via',
]);

/** True for a header name (lower case) that a proxy adds when it relays a request. */
export function isForwardingHeader(name: string): boolean {
  return FORWARDING_HEADERS.has(name) || name.startsWith('x-forwarded-');
}

export function isLoopbackRequest(request: Pick<FastifyRequest, 'headers' | 'socket'>): boolean {
  if (Object.keys(request.headers).some(isForwardingHeader)) return false;
  const address = request.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
