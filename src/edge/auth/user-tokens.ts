// End users signed in by the operator's identity provider: a JWT it signed (a bearer token on the
// API, the host site's user token on the widget) is checked with `jose` against the provider's
// JWKS — found by OIDC discovery unless configured — for its signature (asymmetric algorithms
// only, so `alg: none` and an HMAC made with a public key are refused), issuer, audience, and
// expiry within the clock skew. The JWKS is cached by jose; a token signed by a key it has not
// read (a rotation) makes it read the JWKS again, at most once per cooldown, so a new key is
// picked up and a key taken out stops verifying once the set is read again.
// The user's tenant is the operator's one configured tenant, or, only when the operator names a
// claim for it, the existing tenant that claim names: a token never creates a tenant.
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { z } from 'zod';
import type { OidcConfig } from '../../config/index.js';
import { ParleyError } from '../../errors/index.js';

/** A signed-in user: who, and in which tenant (by name). */
export interface UserIdentity {
  userId: string;
  tenantName: string;
}

/** Why a token was refused, for the log only: the client is told nothing more than 401. */
export type TokenRefusal = { refused: string };

/** Signatures a provider's keys make; symmetric ones are not accepted (the JWKS is public). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** How long one read of the discovery document or the JWKS may take. */
const FETCH_TIMEOUT_MS = 5_000;
/** The longest a user id may be (it is stored with each conversation). */
export const MAX_USER_ID = 255;

/** What jose throws about the token itself (anything else is the provider being unreachable). */
const TOKEN_ERRORS = new Set([
  errors.JWTClaimValidationFailed.code,
  errors.JWTExpired.code,
  errors.JWTInvalid.code,
  errors.JWSInvalid.code,
  errors.JWSSignatureVerificationFailed.code,
  errors.JOSEAlgNotAllowed.code,
  errors.JOSENotSupported.code,
  errors.JWKInvalid.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
]);

const discoverySchema = z.object({ issuer: z.string(), jwks_uri: z.url() });

/** A compact JWS: three base64url parts (what is not a Parley key but may be a user token). */
export const JWT_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function providerDown(cause: unknown): ParleyError {
  return new ParleyError(
    'PARLEY_ERR_DEPENDENCY',
    'cannot check the token: the identity provider is unavailable',
    {
      cause,
      isRetryable: true,
    },
  );
}

export class UserTokens {
  private jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  constructor(private readonly config: OidcConfig) {}

  /**
   * The user a token signs in, or why it is refused. Throws a 503 error when the provider cannot
   * be reached (no key to check with): never an acceptance.
   */
  async verify(token: string): Promise<UserIdentity | TokenRefusal> {
    if (!JWT_PATTERN.test(token)) return { refused: 'not a JWT' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.keys(), {
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTolerance: this.config.clockSkewSeconds,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && TOKEN_ERRORS.has(code)) return { refused: code };
      throw providerDown(error);
    }
    const userId = payload[this.config.userClaim];
    if (typeof userId !== 'string' || userId === '' || userId.length > MAX_USER_ID)
      return { refused: `no usable ${this.config.userClaim} claim` };
    if (this.config.tenantClaim === undefined) return { userId, tenantName: this.config.tenant };
    const tenantName = payload[this.config.tenantClaim];
    if (typeof tenantName !== 'string' || tenantName === '')
      return { refused: `no usable ${this.config.tenantClaim} claim` };
    return { userId, tenantName };
  }

  /** The provider's key set: read once discovered, kept (and refreshed) by jose. */
  private keys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (!this.jwks) {
      this.jwks = this.jwksUrl().then((url) =>
        createRemoteJWKSet(new URL(url), {
          cooldownDuration: this.config.jwksCooldownMs,
          timeoutDuration: FETCH_TIMEOUT_MS,
        }),
      );
      // A failed discovery is tried again by the next token.
      this.jwks.catch(() => {
        this.jwks = undefined;
      });
    }
    return this.jwks;
  }

  /** The configured JWKS, else the one the provider's discovery document names. */
  private async jwksUrl(): Promise<string> {
    if (this.config.jwksUrl) return this.config.jwksUrl;
    const url = `${this.config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let document: z.infer<typeof discoverySchema>;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
      if (!response.ok) throw new Error(`discovery answered ${response.status}`);
      document = discoverySchema.parse(await response.json());
    } catch (error) {
      throw providerDown(error);
    }
    // OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer asked about.
    if (document.issuer !== this.config.issuer)
      throw providerDown(new Error(`discovery names issuer ${document.issuer}, not ${this.config.issuer}`));
    return document.jwks_uri;
  }
}

/** Whether `verify` refused the token. */
export function isRefusal(result: UserIdentity | TokenRefusal): result is TokenRefusal {
  return 'refused' in result;
}
