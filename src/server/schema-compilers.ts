// How route schemas (zod, through fastify-type-provider-zod) are used at run time: request parts
// are validated by them, responses are not. Set once on the root instance, before any route.
import type { FastifyInstance, FastifySerializerCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';

/**
 * Response schemas document the API; they never check or reshape what a handler returns.
 * fastify-type-provider-zod's serializer encodes through the schema, which strips fields the
 * schema does not name and throws on a mismatch: a schema that lags the code would turn a 200
 * into a 500, or silently drop a field clients read (the surface may grow, DESIGN.md). Plain
 * JSON.stringify is what Fastify does for a route without a response schema, so a schema costs a
 * route nothing; the tests check that responses match what the document says.
 */
const documentationOnly: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);

/**
 * Multipart bodies are streamed by their handler (request.file()) after validation, so there is no
 * parsed body to check: their schema describes the parts for the document only.
 */
const passThrough = () => true;

export function useZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler((route) =>
    route.httpPart === 'body' && route.contentType?.startsWith('multipart/')
      ? passThrough
      : validatorCompiler(route as Parameters<typeof validatorCompiler>[0]),
  );
  app.setSerializerCompiler(documentationOnly);
}
