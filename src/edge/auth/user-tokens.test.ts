import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startIdentityProvider } from '../../../test/support/identity-provider.js';
import type { OidcConfig } from '../../config/index.js';
import { isParleyError } from '../../errors/index.js';
import { UserTokens } from './user-tokens.js';

const settings = (issuer: string, more: Partial<OidcConfig> = {}): OidcConfig => ({
  issuer,
  audience: 'parley-test',
  jwksUrl: undefined,
  clockSkewSeconds: 60,
  jwksCooldownMs: 0,
  tenant: 'default',
  tenantClaim: undefined,
  userClaim: 'sub',
  ...more,
});

/** What `verify` threw, as Parley's error code. */
async function failure(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isParleyError(error) ? error.code : 'not a ParleyError';
  }
}

describe('UserTokens', () => {
  it('finds the keys by discovery and names the user and the configured tenant', async () => {
    const idp = await startIdentityProvider();
    try {
      const tokens = new UserTokens(settings(idp.issuer, { tenant: 'acme' }));
      expect(await tokens.verify(await idp.token('alice'))).toEqual({ userId: 'alice', tenantName: 'acme' });
    } finally {
      await idp.close();
    }
  });

  it('reads the tenant from a claim only when one is configured, and the user from the configured claim', async () => {
    const idp = await startIdentityProvider();
    try {
      const tokens = new UserTokens(
        settings(idp.issuer, { tenantClaim: 'org', userClaim: 'email', jwksUrl: `${idp.issuer}/jwks` }),
      );
      expect(await tokens.verify(await idp.token('alice', { org: 'acme', email: 'a@example.com' }))).toEqual({
        userId: 'a@example.com',
        tenantName: 'acme',
      });
      // No tenant claim, no user claim: refused (never a default tenant).
      expect(await tokens.verify(await idp.token('alice', { email: 'a@example.com' }))).toHaveProperty(
        'refused',
      );
      expect(await tokens.verify(await idp.token('alice', { org: 'acme' }))).toHaveProperty('refused');
    } finally {
      await idp.close();
    }
  });

  it('answers 503, never an acceptance, when the provider cannot be reached', async () => {
    const idp = await startIdentityProvider();
    const token = await idp.token('alice');
    const issuer = idp.issuer;
    await idp.close();
    expect(await failure(new UserTokens(settings(issuer)).verify(token))).toBe('PARLEY_ERR_DEPENDENCY');
  });

  it('refuses a discovery document that names another issuer (503)', async () => {
    const idp = await startIdentityProvider();
    const impostor = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ issuer: idp.issuer, jwks_uri: `${idp.issuer}/jwks` }));
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      const issuer = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
      const token = await idp.token('alice', { iss: issuer });
      expect(await failure(new UserTokens(settings(issuer)).verify(token))).toBe('PARLEY_ERR_DEPENDENCY');
    } finally {
      impostor.close();
      await idp.close();
    }
  });
});
