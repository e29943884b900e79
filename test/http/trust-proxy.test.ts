// PARLEY_TRUST_PROXY: the client address (here seen through the per-address rate limit) comes from
// X-Forwarded-For only through trusted hops; a client that sends the header itself, or a hop that
// is not trusted, cannot choose its address. Unset, forwarding headers are not believed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { call } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/test-backend.js';

const PROXY = '10.0.0.7';
/** A second proxy address, so that each test starts with a fresh address count. */
const OTHER_PROXY = '10.0.0.9';
const LIMITS = {
  PARLEY_RATE_REQUESTS_PER_MINUTE_IP: '2',
  PARLEY_RATE_REQUESTS_PER_MINUTE_KEY: '0',
};

describe.each([
  ['trusting 10.0.0.0/8', { ...LIMITS, PARLEY_TRUST_PROXY: '10.0.0.0/8' }, true],
  ['trusting no proxy', LIMITS, false],
] as const)('the client address, %s', (_label, env, trusted) => {
  let server: TestServer;
  let key: string;
  beforeAll(async () => {
    server = await startTestServer('pglite', env);
    key = (await createApiKey(server.runtime.db, 'proxied')).key;
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Two requests pass the address limit of 2 per minute; the third is refused. */
  const statuses = async (remoteAddress: string, forwardedFor: string[]) => {
    const seen: number[] = [];
    for (const header of forwardedFor) {
      const response = await call(server.parley.app, {
        method: 'GET',
        url: '/v1/documents',
        remoteAddress,
        headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': header },
      });
      seen.push(response.status);
    }
    return seen;
  };

  it('counts clients behind a trusted proxy apart, and only then', async () => {
    // Three clients through one proxy: each its own address when the proxy is trusted.
    const through = await statuses(PROXY, ['203.0.113.1', '203.0.113.2', '203.0.113.3']);
    expect(through).toEqual(trusted ? [200, 200, 200] : [200, 200, 429]);
  });

  it('does not let a client choose its address by sending X-Forwarded-For itself', async () => {
    const spoofed = await statuses('192.0.2.9', ['198.51.100.1', '198.51.100.2', '198.51.100.3']);
    expect(spoofed).toEqual([200, 200, 429]);
  });

  it('stops at the first hop from the right that is not trusted', async () => {
    // The untrusted hop 192.0.2.50 is the client, whatever it claims came before it.
    const chained = await statuses(OTHER_PROXY, [
      '198.51.100.7, 192.0.2.50',
      '198.51.100.8, 192.0.2.50',
      '198.51.100.9, 192.0.2.50',
    ]);
    expect(chained).toEqual([200, 200, 429]);
    if (!trusted) return;
    // Through two trusted hops, the address before them is the client.
    expect(await statuses(PROXY, ['198.51.100.20, 10.0.0.8'])).toEqual([200]);
    expect(await statuses(PROXY, ['198.51.100.21, 10.0.0.8'])).toEqual([200]);
  });
});
