// fastify-type-provider-zod's transforms (zod schemas -> the OpenAPI document), plus what they
// leave out: a body given per content type, responses as they really are (open objects, each
// with a description), public routes documented as needing no key, the routes end users may call
// documented with their ways in (openapi-document.ts), and no unused components.
import { STATUS_CODES } from 'node:http';
import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { createJsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { userMayCall } from '../edge/index.js';

const zodTransform = createJsonSchemaTransform({ skipList: [] });

type ContentMap = { content: Record<string, { schema: unknown }> };
const isContentMap = (body: unknown): body is ContentMap =>
  typeof body === 'object' && body !== null && 'content' in body && !('_zod' in body);

/**
 * A response schema as responses really are: zod writes `additionalProperties: false` on every
 * object it converts for output (its parse drops unknown keys), but Parley serializes responses as
 * they are (schema-compilers.ts), and the surface may add fields. Clients must accept more.
 */
function openObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openObjects);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !(key === 'additionalProperties' && value === false))
      .map(([key, value]) => [key, openObjects(value)]),
  );
}

/** Open response schemas; one without a description of its own gets its status's name ("Created"). */
function documentResponses(response: unknown): unknown {
  if (typeof response !== 'object' || response === null) return response;
  return Object.fromEntries(
    Object.entries(response).map(([status, schema]) => {
      const described = typeof schema === 'object' && schema !== null && 'description' in schema;
      const name = STATUS_CODES[status];
      const open = openObjects(schema) as Record<string, unknown>;
      if (described || !name) return [status, open];
      // @fastify/swagger reads a response's description from this key, or beside a $ref (which it
      // resolves without the keys beside it) from `description`.
      return [status, { ...open, [open.$ref ? 'description' : 'x-response-description']: name }];
    }),
  );
}

/**
 * A user route: a key, a signed-in user's token, a key acting for a user, or (on the widget's
 * routes) a publishable key with the host site's user token.
 */
const USER_SECURITY: Record<string, string[]>[] = [
  { apiKey: [] },
  { userToken: [] },
  { apiKey: [], actingForUser: [] },
  { apiKey: [], widgetUser: [] },
];

export const transform: SwaggerTransform = (document) => {
  const { schema, route } = document;
  if (!schema || schema.hide || !isContentMap(schema.body)) return finish(zodTransform(document));
  const { body, ...rest } = schema;
  const transformed = zodTransform({ ...document, schema: rest });
  const content: Record<string, { schema: unknown }> = {};
  for (const [type, media] of Object.entries(body.content)) {
    const one = zodTransform({ ...document, schema: { body: media.schema } });
    content[type] = { schema: (one.schema as { body: unknown }).body };
  }
  return finish({ ...transformed, schema: { ...transformed.schema, body: { content } } });

  function finish(result: ReturnType<SwaggerTransform>): ReturnType<SwaggerTransform> {
    if (!result.schema || result.schema.hide) return result;
    const documented = { ...result.schema, response: documentResponses(result.schema.response) };
    const methods = [route.method].flat();
    const forUsers = methods.some((method) => userMayCall(method, route.url));
    return {
      ...result,
      schema:
        route.config?.public === true
          ? { ...documented, security: [] }
          : forUsers
            ? { ...documented, security: USER_SECURITY }
            : documented,
    };
  }
};

const refsIn = (value: unknown): string[] =>
  [...JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]!);

/**
 * The named schemas (zod `.meta({ id })`): those for output are open objects too, and of the
 * input copies the library makes of each (`<id>Input`) only those a request refers to are kept.
 */
export const transformObject: SwaggerTransformObject = (document) => {
  const result = jsonSchemaTransformObject(document);
  const schemas: Record<string, unknown> = ('components' in result && result.components?.schemas) || {};
  for (const [id, schema] of Object.entries(schemas)) {
    if (!id.endsWith('Input')) schemas[id] = openObjects(schema);
  }
  const used = new Set<string>();
  const pending = refsIn('paths' in result ? result.paths : {});
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (used.has(id)) continue;
    used.add(id);
    pending.push(...refsIn(schemas[id]));
  }
  for (const id of Object.keys(schemas)) {
    if (id.endsWith('Input') && !used.has(id)) delete schemas[id];
  }
  return result;
};
