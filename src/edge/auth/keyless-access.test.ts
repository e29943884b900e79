import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { keylessRefusal } from './keyless-access.js';

const request = (headers: Record<string, string>, localPort: number | null = 8787) =>
  ({ headers, socket: { remoteAddress: '127.0.0.1', localPort: localPort ?? undefined } }) as unknown as Pick<
    FastifyRequest,
    'headers' | 'socket'
  >;
const codeOf = (headers: Record<string, string>, localPort?: number | null) =>
  keylessRefusal(request(headers, localPort))?.code;

describe('keylessRefusal', () => {
  it.each(['localhost:8787', '127.0.0.1:8787', '[::1]:8787', 'LOCALHOST:8787'])(
    'serves a request to %s from a non-browser client',
    (host) => {
      expect(codeOf({ host })).toBeUndefined();
    },
  );

  it('serves the same origin, as Parley’s own pages send it', () => {
    expect(
      codeOf({ host: 'localhost:8787', origin: 'http://localhost:8787', 'sec-fetch-site': 'same-origin' }),
    ).toBe(undefined);
    expect(codeOf({ host: '127.0.0.1:8787', origin: 'http://127.0.0.1:8787' })).toBeUndefined();
    expect(codeOf({ host: 'localhost', 'sec-fetch-site': 'none' }, 80)).toBeUndefined();
  });

  it.each([
    ['a rebinding name', 'attacker.example:8787'],
    ['a name that resolves to loopback', 'localtest.me:8787'],
    ['another loopback port', 'localhost:3000'],
    ['no port where the server listens on another', 'localhost'],
    ['a LAN address', '192.168.1.10:8787'],
    ['a malformed host', 'localhost:8787@attacker.example'],
    ['no Host at all', ''],
  ])('refuses %s with PARLEY_ERR_HOST_NOT_ALLOWED', (_name, host) => {
    expect(codeOf(host ? { host } : {})).toBe('PARLEY_ERR_HOST_NOT_ALLOWED');
  });

  it.each([
    ['another site', { origin: 'https://attacker.example' }],
    ['another local port', { origin: 'http://localhost:3000' }],
    ['an opaque origin', { origin: 'null' }],
    ['a cross-site fetch without Origin', { 'sec-fetch-site': 'cross-site' }],
    [
      'a cross-site fetch that names this origin',
      { origin: 'http://localhost:8787', 'sec-fetch-site': 'cross-site' },
    ],
  ])('refuses %s with PARLEY_ERR_CROSS_SITE', (_name, headers) => {
    const refusal = keylessRefusal(request({ host: 'localhost:8787', ...headers }));
    expect(refusal?.code).toBe('PARLEY_ERR_CROSS_SITE');
    expect(refusal?.httpStatus).toBe(403);
  });

  it('checks the port only where it is known (injected requests have none)', () => {
    expect(codeOf({ host: 'localhost:80' }, null)).toBeUndefined();
    expect(codeOf({ host: 'attacker.example:80' }, null)).toBe('PARLEY_ERR_HOST_NOT_ALLOWED');
  });
});
