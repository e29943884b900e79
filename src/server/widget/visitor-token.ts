// Widget visitors: the server mints a random visitor id and hands it out signed (HMAC-SHA256 with a
// server secret, bound to the publishable key), so a visitor can present it back but cannot forge
// or guess another visitor's id to read their conversations.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The request and response header that carries the signed visitor token. */
export const VISITOR_HEADER = 'x-parley-visitor';

const TOKEN_PATTERN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export class VisitorTokens {
  constructor(private readonly secret: Buffer) {}

  private sign(keyId: string, visitorId: string): string {
    return createHmac('sha256', this.secret).update(`${keyId}:${visitorId}`).digest('base64url');
  }

  /** A new visitor id and its token for `keyId`. */
  mint(keyId: string): { visitorId: string; token: string } {
    const visitorId = randomBytes(16).toString('base64url');
    return { visitorId, token: `${visitorId}.${this.sign(keyId, visitorId)}` };
  }

  /** The visitor id inside a token issued for `keyId`, or undefined when it is malformed or forged. */
  verify(keyId: string, token: string | undefined): string | undefined {
    const match = token ? TOKEN_PATTERN.exec(token) : null;
    if (!match) return undefined;
    const [, visitorId, signature] = match as unknown as [string, string, string];
    const expected = Buffer.from(this.sign(keyId, visitorId));
    const actual = Buffer.from(signature);
    return expected.length === actual.length && timingSafeEqual(expected, actual) ? visitorId : undefined;
  }
}
