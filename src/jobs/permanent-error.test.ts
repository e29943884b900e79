import { describe, expect, it } from 'vitest';
import { isPermanentError, PermanentError } from './permanent-error.js';

/** An error shaped as node-postgres's DatabaseError: the SQLSTATE in `code`. */
const pgError = (code: string) => Object.assign(new Error(`database error ${code}`), { code });

describe('isPermanentError', () => {
  it.each([
    ['22021', 'invalid byte sequence (a lone surrogate, a bad UTF-8 byte)'],
    ['22P05', 'untranslatable character (NUL)'],
    ['22003', 'numeric value out of range'],
    ['23505', 'unique violation'],
    ['23503', 'foreign key violation'],
  ])('knows SQLSTATE %s (%s) as permanent', (code) => {
    expect(isPermanentError(pgError(code))).toBe(true);
  });

  it.each([
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock'],
    ['57P01', 'admin shutdown'],
    ['53300', 'too many connections'],
    ['08006', 'connection failure'],
  ])('leaves SQLSTATE %s (%s) to be retried', (code) => {
    expect(isPermanentError(pgError(code))).toBe(false);
  });

  it('leaves network and unknown errors to be retried', () => {
    expect(isPermanentError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      false,
    );
    expect(isPermanentError(new Error('connection terminated'))).toBe(false);
    expect(isPermanentError(Object.assign(new Error('not a state'), { code: '2202' }))).toBe(false);
    expect(isPermanentError(undefined)).toBe(false);
    expect(isPermanentError('22021')).toBe(false);
  });

  it('knows an error marked permanent, and one wrapping a permanent cause', () => {
    expect(isPermanentError(new PermanentError('payload can never be stored'))).toBe(true);
    expect(isPermanentError(Object.assign(new Error('marked'), { permanent: true }))).toBe(true);
    expect(isPermanentError(new Error('saving the turn failed', { cause: pgError('22021') }))).toBe(true);
    expect(isPermanentError(new Error('saving the turn failed', { cause: new Error('timeout') }))).toBe(
      false,
    );
  });
});
