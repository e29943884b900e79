import { describe, expect, it } from 'vitest';
import { decodeEntities } from './decode-entities.js';

describe('decodeEntities', () => {
  it('decodes named, decimal and hex references', () => {
    expect(decodeEntities('Tom &amp; Jerry &lt;3 &#39;hi&#39; &#x2014; &quot;q&quot;')).toBe(
      `Tom & Jerry <3 'hi' — "q"`,
    );
  });

  it('leaves unknown or invalid references as they are', () => {
    expect(decodeEntities('&bogus; &#0; & plain')).toBe('&bogus; &#0; & plain');
  });
});
