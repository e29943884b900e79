import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './webhook-signature.js';

const SECRET = 'a-secret-of-sixteen-chars';
const BODY = '{"event":"conversation.handed_off"}';

describe('webhook signature', () => {
  it('is an HMAC-SHA256 over the timestamp and the body', () => {
    const expected = createHmac('sha256', SECRET).update(`1700000000.${BODY}`).digest('hex');
    expect(signWebhook(SECRET, BODY, 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies its own signature, and nothing else', () => {
    const header = signWebhook(SECRET, BODY, 1_700_000_000);
    expect(verifyWebhook(SECRET, BODY, header, 1_700_000_010)).toBe(true);
    expect(verifyWebhook('another-secret-entirely', BODY, header, 1_700_000_010)).toBe(false);
    expect(verifyWebhook(SECRET, `${BODY} `, header, 1_700_000_010)).toBe(false);
    expect(verifyWebhook(SECRET, BODY, header.replace('t=1700000000', 't=1700000001'), 1_700_000_010)).toBe(
      false,
    );
    expect(verifyWebhook(SECRET, BODY, undefined)).toBe(false);
    expect(verifyWebhook(SECRET, BODY, 't=1700000000,v1=zz', 1_700_000_010)).toBe(false);
  });

  it('refuses a delivery older than the tolerance (a replay)', () => {
    const header = signWebhook(SECRET, BODY, 1_700_000_000);
    expect(verifyWebhook(SECRET, BODY, header, 1_700_000_000 + 301)).toBe(false);
  });
});
