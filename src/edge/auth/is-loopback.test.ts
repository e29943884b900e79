import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { isLoopbackRequest } from './is-loopback.js';

const request = (headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
  ({ headers, socket: { remoteAddress } }) as unknown as Pick<FastifyRequest, 'headers' | 'socket'>;

describe('isLoopbackRequest', () => {
  it('treats a direct loopback connection as local', () => {
    expect(isLoopbackRequest(request({ host: 'localhost:8787' }))).toBe(true);
    expect(isLoopbackRequest(request({}, '::1'))).toBe(true);
    expect(isLoopbackRequest(request({}, '::ffff:127.0.0.1'))).toBe(true);
    expect(isLoopbackRequest(request({}, '192.168.1.5'))).toBe(false);
  });

  it.each([
    'x-forwarded-for',
    'x-forwarded-host',
    'x-forwarded-server',
    'x-forwarded',
    'forwarded',
    'forwarded-for',
    'x-original-forwarded-for',
    'x-cluster-client-ip',
    'x-real-ip',
    'true-client-ip',
    'cf-connecting-ip',
    'x-client-ip',
    'client-ip',
    'fastly-client-ip',
    'akamai-client-ip',
    'x-envoy-external-address',
    'via',
  ])('does not treat a loopback request relayed with %s as local', (header) => {
    expect(isLoopbackRequest(request({ [header]: '203.0.113.7' }))).toBe(false);
  });
});
