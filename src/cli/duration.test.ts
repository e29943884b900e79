import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads seconds, minutes, hours and days, and plain seconds', () => {
    expect(parseDuration('90s', '--x')).toBe(90);
    expect(parseDuration('45m', '--x')).toBe(2700);
    expect(parseDuration('12h', '--x')).toBe(43_200);
    expect(parseDuration('30d', '--x')).toBe(2_592_000);
    expect(parseDuration('3600', '--x')).toBe(3600);
  });

  it('refuses zero unless allowed, and anything else, naming the option', () => {
    expect(() => parseDuration('0', '--expires-in')).toThrow(/--expires-in takes a duration/);
    expect(parseDuration('0h', '--overlap', { allowZero: true })).toBe(0);
    for (const bad of ['', '1w', '-5m', '1.5h', 'soon']) expect(() => parseDuration(bad, '--x')).toThrow();
  });
});
