import { describe, expect, it } from 'vitest';
import { REDACTED, redactUrl } from './redact-url.js';

const KEY = 'parley_0123456789abcdef_SECRETsecretSECRETsecret';

describe('redactUrl', () => {
  it.each([
    [`/?key=${KEY}`, `/?key=${REDACTED}`],
    [`/dashboard?key=${KEY}&tab=usage`, `/dashboard?key=${REDACTED}&tab=usage`],
    [`/dashboard?tab=usage&key=${encodeURIComponent(KEY)}`, `/dashboard?tab=usage&key=${REDACTED}`],
    [
      '/v1/x?api_key=abc&apiKey=def&access_token=ghi',
      `/v1/x?api_key=${REDACTED}&apiKey=${REDACTED}&access_token=${REDACTED}`,
    ],
    [
      '/cb?code=xyz&state=1&client_secret=s&password=p',
      `/cb?code=${REDACTED}&state=1&client_secret=${REDACTED}&password=${REDACTED}`,
    ],
    [`/v1/documents?q=${KEY}`, `/v1/documents?q=${REDACTED}`],
    ['/v1/x?jwt=eyJhbGciOi.eyJzdWIiOi.sig', `/v1/x?jwt=${REDACTED}`],
  ])('redacts the credentials in %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
    expect(redactUrl(url)).not.toContain('SECRET');
  });

  it('keeps ordinary URLs as they are', () => {
    for (const url of [
      '/v1/documents',
      '/v1/documents?limit=10&cursor=abc',
      '/?monkey',
      '/v1/jobs/1?status=done',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });
});
