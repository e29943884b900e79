// Structured output: an answer asked for as JSON (OpenAI's `response_format`, `/v1/chat`'s
// `schema`) is checked once whole: JSON, an object, matching the schema when one was given.
// One that is not fails the turn with PARLEY_ERR_MODEL_OUTPUT, which says why, rather than
// handing the client text it cannot parse. The schema is compiled by Ajv (the JSON Schema
// validator Fastify itself uses, tools/json-schema.ts), once per distinct schema.
import { ParleyError } from '../errors/index.js';
import type { ResponseFormat } from '../models/index.js';
import { schemaValidator } from '../tools/index.js';
import type { RawGenerationEvent } from './generation-events.js';

/** Why `answer` does not meet `format`, or undefined when it does. */
export function formatViolation(answer: string, format: ResponseFormat): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(answer);
  } catch {
    return 'the answer is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'the answer is not a JSON object';
  if (!format.schema) return undefined;
  const validate = schemaValidator(format.schema);
  if (validate(value)) return undefined;
  const first = validate.errors?.[0];
  return `the answer does not match the schema: ${first ? `${first.instancePath || '/'} ${first.message}` : 'invalid'}`;
}

/**
 * Generation's events, passed on as they come; once they end, the answer they made is checked
 * against `format`. A mode other than a model's answer (a refusal, small talk...) cannot be JSON.
 */
export async function* structuredAnswer(
  events: AsyncIterable<RawGenerationEvent>,
  format: ResponseFormat,
): AsyncGenerator<RawGenerationEvent> {
  let answer = '';
  // A model answered unless the answer turned out otherwise (refused, not found, degraded...);
  // a bot without models answers extractively, with no mode event at all.
  let mode: string | undefined;
  let modelAnswered = false;
  for await (const event of events) {
    if (event.type === 'raw-token') answer += event.text;
    else if (event.type === 'model') modelAnswered = true;
    else if (event.type === 'mode') mode = event.mode;
    // A whole answer that starts again (another model) or is given up is checked afresh.
    else if (event.type === 'restart' || event.type === 'abandon') answer = '';
    yield event;
  }
  const violation =
    !modelAnswered || (mode !== undefined && mode !== 'generated')
      ? `the turn was answered without a model (${mode ?? 'extractive'}), so not as JSON`
      : formatViolation(answer, format);
  if (violation) {
    yield { type: 'failure', message: violation };
    throw new ParleyError('PARLEY_ERR_MODEL_OUTPUT', `${violation}; the answer was: ${answer.slice(0, 200)}`);
  }
}
