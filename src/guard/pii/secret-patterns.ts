// API keys, tokens and private keys recognised by their published formats, plus a generic rule
// for long random-looking tokens.
import type { PiiDetector } from './pii-detector.js';

// `hint` is a cheap test that every match passes (its fixed prefix): most text skips the pattern.
const secret = (
  rule: string,
  hint: RegExp,
  pattern: RegExp,
  accept?: PiiDetector['accept'],
): PiiDetector => ({
  type: 'secret',
  rule: `secret:${rule}`,
  hint,
  pattern,
  ...(accept ? { accept } : {}),
});

// Tokens start and end at the edge of a run of token characters, never in the middle of one.
const B = '(?<![A-Za-z0-9_-])';
const E = '(?![A-Za-z0-9_-])';

/** Known secret formats, most specific first. */
export const SECRET_DETECTORS: PiiDetector[] = [
  // A PEM private key, or the start of one that was cut off.
  secret(
    'private-key',
    /-----BEGIN /,
    /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  ),
  secret('parley-key', /parley_/, new RegExp(`${B}parley_[0-9a-f]{16}_[A-Za-z0-9_-]{43}${E}`, 'g')),
  secret(
    'openai-key',
    /sk-/,
    new RegExp(`${B}sk-(?:proj-|svcacct-|admin-|ant-api\\d\\d-)?[A-Za-z0-9_-]{20,}${E}`, 'g'),
  ),
  secret(
    'aws-access-key',
    /AKIA|ASIA|ABIA|ACCA/,
    new RegExp(`${B}(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}${E}`, 'g'),
  ),
  secret(
    'github-token',
    /gh[pousr]_|github_pat_/,
    new RegExp(`${B}(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})${E}`, 'g'),
  ),
  secret('slack-token', /xox[abposre]-/, new RegExp(`${B}xox[abposre]-[A-Za-z0-9-]{10,}${E}`, 'g')),
  secret(
    'stripe-key',
    /_(?:live|test)_/,
    new RegExp(`${B}(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}${E}`, 'g'),
  ),
  secret('stripe-webhook-secret', /whsec_/, new RegExp(`${B}whsec_[A-Za-z0-9]{24,}${E}`, 'g')),
  secret('google-api-key', /AIza/, new RegExp(`${B}AIza[0-9A-Za-z_-]{35}${E}`, 'g')),
  secret(
    'jwt',
    /eyJ/,
    new RegExp(`${B}eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*${E}`, 'g'),
  ),
  secret(
    'high-entropy',
    /[A-Za-z0-9+/_=-]{32}/,
    /(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_=-]{32,}(?![A-Za-z0-9+/_=-])/g,
    looksRandom,
  ),
];

/** Minimum Shannon entropy (bits per character) for the generic token rule. */
const MIN_ENTROPY_BITS = 4.2;

/**
 * A long token counts as a secret when it mixes lower case, upper case and digits and its
 * characters are spread like random base64 (English words, paths and hex digests are not).
 */
export function looksRandom(token: string): boolean {
  if (!/[a-z]/.test(token) || !/[A-Z]/.test(token) || !/[0-9]/.test(token)) return false;
  return shannonEntropy(token) >= MIN_ENTROPY_BITS;
}

export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
