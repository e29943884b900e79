// A local OpenID Connect identity provider for tests (no network): serves the discovery document
// and a JWKS on 127.0.0.1, and signs tokens with keys made by jose. Keys can be added and taken
// out of the JWKS (a rotation); `jwksReads` counts how often the JWKS was fetched.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll } from 'vitest';

interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface IdentityProvider {
  /** The issuer (`iss`), also the base of the discovery URL. */
  issuer: string;
  /** The audience tokens are issued for by default. */
  audience: string;
  /** How many times the JWKS was read. */
  readonly jwksReads: number;
  /** A token for `sub`, signed with the current key (or `options.kid`'s); claims override the defaults. */
  token(sub: string, claims?: JWTPayload, options?: { kid?: string }): Promise<string>;
  /** A new key, published in the JWKS (and used for new tokens from now on); its kid. */
  addKey(): Promise<string>;
  /** Takes a key out of the JWKS (its tokens no longer verify once the server reads the JWKS again). */
  retireKey(kid: string): void;
  /** A key pair the JWKS never publishes, for tokens no one should accept. */
  strangerKey(): Promise<SigningKey>;
  close(): Promise<void>;
}

let counter = 0;

async function makeKey(alg = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `key-${++counter}`;
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** Signs `payload` with `key` (its kid in the header). */
export function signWith(key: SigningKey, payload: JWTPayload): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
}

export async function startIdentityProvider(audience = 'parley-test'): Promise<IdentityProvider> {
  const published: SigningKey[] = [await makeKey()];
  let current = published[0]!;
  let reads = 0;
  const server: Server = createServer((request, response) => {
    const send = (body: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/.well-known/openid-configuration') {
      send({
        issuer: provider.issuer,
        jwks_uri: `${provider.issuer}/jwks`,
        id_token_signing_alg_values_supported: ['ES256'],
      });
    } else if (request.url === '/jwks') {
      reads++;
      send({ keys: published.map((key) => key.jwk) });
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const provider: IdentityProvider = {
    issuer: `http://127.0.0.1:${port}`,
    audience,
    get jwksReads() {
      return reads;
    },
    async token(sub, claims = {}, options = {}) {
      const key = options.kid ? published.find((candidate) => candidate.kid === options.kid) : current;
      if (!key) throw new Error(`no published key ${options.kid}`);
      const now = Math.floor(Date.now() / 1000);
      return signWith(key, { iss: provider.issuer, aud: audience, sub, iat: now, exp: now + 300, ...claims });
    },
    async addKey() {
      current = await makeKey();
      published.push(current);
      return current.kid;
    },
    retireKey(kid) {
      const at = published.findIndex((key) => key.kid === kid);
      if (at >= 0) published.splice(at, 1);
    },
    strangerKey: () => makeKey(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return provider;
}

/** An identity provider started before the enclosing block's tests (read its fields inside them). */
export function useIdentityProvider(audience?: string): IdentityProvider {
  const provider = {} as IdentityProvider;
  let started: IdentityProvider | undefined;
  beforeAll(async () => {
    started = await startIdentityProvider(audience);
    Object.defineProperties(provider, Object.getOwnPropertyDescriptors(started));
  });
  afterAll(async () => {
    await started?.close();
  });
  return provider;
}
