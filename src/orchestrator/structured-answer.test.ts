import { describe, expect, it } from 'vitest';
import { isParleyError } from '../errors/index.js';
import { schemaValidator } from '../tools/index.js';
import type { RawGenerationEvent } from './generation-events.js';
import { formatViolation, structuredAnswer } from './structured-answer.js';

const SCHEMA = { type: 'object', properties: { days: { type: 'integer' } }, required: ['days'] };

async function drain(events: RawGenerationEvent[]) {
  async function* source() {
    yield* events;
  }
  const seen: RawGenerationEvent[] = [];
  try {
    for await (const event of structuredAnswer(source(), { type: 'json', schema: SCHEMA })) seen.push(event);
    return { seen, error: undefined };
  } catch (error) {
    return { seen, error };
  }
}

describe('structured answers', () => {
  it('says why an answer is not the JSON asked for', () => {
    expect(formatViolation('{"days": 14}', { type: 'json', schema: SCHEMA })).toBeUndefined();
    expect(formatViolation('{"any": true}', { type: 'json' })).toBeUndefined();
    expect(formatViolation('14 days', { type: 'json' })).toBe('the answer is not JSON');
    expect(formatViolation('[14]', { type: 'json' })).toBe('the answer is not a JSON object');
    expect(formatViolation('{"days": "14"}', { type: 'json', schema: SCHEMA })).toBe(
      'the answer does not match the schema: /days must be integer',
    );
  });

  it('refuses a schema that does not compile, or is too long, as a 400', () => {
    const refused = (schema: Record<string, unknown>) => {
      try {
        schemaValidator(schema);
        return undefined;
      } catch (error) {
        return isParleyError(error) ? error.httpStatus : error;
      }
    };
    expect(refused({ type: 'nonsense' })).toBe(400);
    expect(refused({ description: 'x'.repeat(20_000) })).toBe(400);
    expect(refused(SCHEMA)).toBeUndefined();
  });

  it("passes a model's events through and checks the whole answer once at the end", async () => {
    const model: RawGenerationEvent = { type: 'model', model: 'openai:m', attempts: [] };
    const good = await drain([
      model,
      { type: 'raw-token', text: '{"days": ' },
      { type: 'raw-token', text: '14}' },
    ]);
    expect(good.error).toBeUndefined();
    expect(good.seen).toHaveLength(3);
    const bad = await drain([model, { type: 'raw-token', text: 'Fourteen days.' }]);
    expect(bad.seen.at(-1)).toEqual({ type: 'failure', message: 'the answer is not JSON' });
    expect(isParleyError(bad.error) && bad.error.code).toBe('PARLEY_ERR_MODEL_OUTPUT');
    // A whole answer that starts again is checked afresh: only the last attempt counts.
    const restarted = await drain([
      model,
      { type: 'raw-token', text: 'Fourteen' },
      { type: 'restart', model: 'openai:m', error: 'cut' },
      model,
      { type: 'raw-token', text: '{"days": 14}' },
    ]);
    expect(restarted.error).toBeUndefined();
    // Not a model's answer (a refusal, or extractive with no model event): never JSON.
    const refused = await drain([
      { type: 'mode', mode: 'refused' },
      { type: 'raw-token', text: '{"days": 1}' },
    ]);
    expect((refused.error as Error).message).toMatch(/answered without a model \(refused\)/);
  });
});
