// What a keyless request (loopback, before any key exists) must also show to be served: that the
// browser, if any, sent it from Parley's own pages. A loopback address alone does not prove that:
// a page on another site can make the operator's browser send a form or multipart POST (no
// preflight), and a DNS-rebinding page reads answers under its own host name. So the Host must
// name this machine (`localhost`, `127.0.0.1`, `[::1]`, on the port the request came in on), and a
// browser's Origin must be that same origin, with no `Sec-Fetch-Site: cross-site`.
import type { FastifyRequest } from 'fastify';
import { ParleyError } from '../../errors/index.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

type KeylessRequest = Pick<FastifyRequest, 'headers' | 'socket'>;

/** `host[:port]` split; undefined when the value is not one. */
function splitHost(value: string): { hostname: string; port: number | undefined } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!match) return undefined;
  return { hostname: match[1]!.toLowerCase(), port: match[2] === undefined ? undefined : Number(match[2]) };
}

/** Whether the Host header names this machine on the port the connection came in on. */
function isLoopbackHost(request: KeylessRequest): boolean {
  const host = request.headers.host;
  const parts = host === undefined ? undefined : splitHost(host);
  if (!parts || !LOOPBACK_HOSTS.has(parts.hostname)) return false;
  // The local port is unknown only for injected requests (tests), which have no browser.
  const localPort = request.socket.localPort;
  return localPort === undefined || (parts.port ?? 80) === localPort;
}

/** Whether a browser's Origin header is the origin the request was sent to. */
function isSameOrigin(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host.toLowerCase();
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and garbage
  }
}

/** The error a keyless request is refused with, or undefined when it may be served. */
export function keylessRefusal(request: KeylessRequest): ParleyError | undefined {
  if (!isLoopbackHost(request)) {
    return new ParleyError(
      'PARLEY_ERR_HOST_NOT_ALLOWED',
      'without an API key only requests to localhost, 127.0.0.1 or [::1] are served: ' +
        'use one of those names, or create a key (npx parley keys create --tenant NAME)',
    );
  }
  const origin = request.headers.origin;
  const crossSite = request.headers['sec-fetch-site'] === 'cross-site';
  if (crossSite || (origin !== undefined && !isSameOrigin(origin, request.headers.host!))) {
    return new ParleyError(
      'PARLEY_ERR_CROSS_SITE',
      "without an API key, requests from other sites are refused: call the API from Parley's own " +
        'pages or a non-browser client, or create a key',
    );
  }
  return undefined;
}
