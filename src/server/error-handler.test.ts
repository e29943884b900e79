import { describe, expect, it } from 'vitest';
import { ParleyError } from '../errors/index.js';
import { toErrorResponse } from './error-handler.js';

describe('toErrorResponse', () => {
  it('answers a database pool that stayed busy for its whole wait with 503 and Retry-After, not 500', () => {
    const response = toErrorResponse(new Error('timeout exceeded when trying to connect'));
    expect(response.status).toBe(503);
    expect(response.headers).toEqual({ 'retry-after': '1' });
    expect(response.unexpected).toBe(false);
  });

  it('keeps unknown errors a generic 500 and known ones their status', () => {
    expect(toErrorResponse(new Error('boom')).status).toBe(500);
    expect(toErrorResponse(new ParleyError('PARLEY_ERR_VALIDATION', 'bad')).status).toBe(400);
  });
});
