import { describe, expect, it } from 'vitest';
import { wordedNumberTail } from './worded-numbers.js';

describe('wordedNumberTail', () => {
  it('finds a number being spelled out at the end of a text, with a word cut mid-way', () => {
    expect(wordedNumberTail('Call me on five five five one')).toBe(11);
    expect(wordedNumberTail('Call me on five five, fi')).toBe(11);
    expect(wordedNumberTail('card 4111 then 1111 then ')).toBe(5);
    expect(wordedNumberTail('It is double five')).toBe(6);
  });

  it('holds nothing for text that ends otherwise, or for plain digits', () => {
    expect(wordedNumberTail('Register the plugin with fastify.register')).toBeUndefined();
    expect(wordedNumberTail('one of the options')).toBeUndefined();
    expect(wordedNumberTail('port 8080')).toBeUndefined();
    expect(wordedNumberTail('someone')).toBeUndefined();
  });

  it('does not hold a run longer than its limit', () => {
    expect(wordedNumberTail(`x ${'five '.repeat(60)}`)).toBeUndefined();
  });
});
