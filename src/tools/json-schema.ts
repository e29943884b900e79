// JSON Schema checks shared by structured answers and tool arguments: compiled by Ajv (the
// validator Fastify itself uses) once per distinct schema, with a cap on a schema's size.
import { Ajv, type ValidateFunction } from 'ajv';
import { LRUCache } from 'lru-cache';
import { ParleyError } from '../errors/index.js';

/** The largest schema a client may send, as JSON text. */
export const MAX_SCHEMA_CHARS = 16_384;

const ajv = new Ajv({ strict: false, allErrors: false });
const compiled = new LRUCache<string, ValidateFunction>({ max: 256 });

/** The validator of `schema`; throws a 400 for a schema that is not one. */
export function schemaValidator(schema: Record<string, unknown>): ValidateFunction {
  const text = JSON.stringify(schema);
  if (text.length > MAX_SCHEMA_CHARS) {
    throw new ParleyError(
      'PARLEY_ERR_VALIDATION',
      `the JSON schema is longer than ${MAX_SCHEMA_CHARS} characters`,
    );
  }
  let validate = compiled.get(text);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        `the JSON schema is not valid: ${(error as Error).message}`,
      );
    }
    compiled.set(text, validate);
  }
  return validate;
}

/** Ajv's errors as one line a model (or a client) can act on. */
export function schemaErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((error) => `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`)
    .join('; ');
}
