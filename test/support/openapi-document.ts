// Reading the OpenAPI document in tests: the routes an app really registers (seen through Fastify's
// `fastify.initialization` diagnostics channel, independently of @fastify/swagger), the document's
// operations and request examples, and a JSON Schema 2020-12 validator for the schemas it holds.
import { channel } from 'node:diagnostics_channel';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';

export interface RegisteredRoute {
  /** `GET /v1/bots/:id` */
  key: string;
  method: string;
  url: string;
  schema: FastifySchema | undefined;
}

/**
 * Records the routes of every Fastify instance created until `stop()`, but HEAD ones: Fastify adds
 * one beside each GET, and Parley declares none of its own.
 */
export function recordRoutes(): { routes: RegisteredRoute[]; stop(): void } {
  const routes: RegisteredRoute[] = [];
  const initialization = channel('fastify.initialization');
  const onInit = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (method === 'HEAD') continue;
        routes.push({ key: `${method} ${route.url}`, method, url: route.url, schema: route.schema });
      }
    });
  };
  initialization.subscribe(onInit);
  return { routes, stop: () => initialization.unsubscribe(onInit) };
}

interface Media {
  schema: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}

export interface Operation {
  summary?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; example?: unknown }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  [key: string]: unknown;
}

/** `/v1/bots/:id` as OpenAPI writes it: `/v1/bots/{id}`. */
export const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

/** Every operation of the document, as `METHOD /path`. */
export function operationsOf(document: OpenApiDocument): Map<string, Operation> {
  const operations = new Map<string, Operation>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      operations.set(`${method.toUpperCase()} ${path}`, operation);
    }
  }
  return operations;
}

/** The examples of a media type (OpenAPI's `example`, or each of `examples`). */
export function examplesOf(media: Media | undefined): unknown[] {
  if (!media) return [];
  if (media.example !== undefined) return [media.example];
  return Object.values(media.examples ?? {}).map((example) => example.value);
}

/** A schema with every `#/components/schemas/...` reference replaced by the schema it names. */
function resolved(schema: unknown, components: Record<string, unknown>): unknown {
  if (Array.isArray(schema)) return schema.map((item) => resolved(item, components));
  if (typeof schema !== 'object' || schema === null) return schema;
  const { $ref, ...rest } = schema as { $ref?: string };
  const named = $ref ? resolved(components[$ref.replace('#/components/schemas/', '')], components) : {};
  const own = Object.fromEntries(
    Object.entries(rest).map(([key, value]) => [key, resolved(value, components)]),
  );
  return { ...(named as object), ...own };
}

// ajv-formats is CommonJS: its default import is the module object or the plugin, by loader.
const addFormats = ((addFormatsModule as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => void;

/** Checks values against the document's schemas: the errors, or undefined when valid. */
export function schemaChecker(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('binary', true);
  return (schema: unknown, value: unknown): string | undefined => {
    const validate = ajv.compile(resolved(schema, document.components.schemas) as object);
    return validate(value) ? undefined : ajv.errorsText(validate.errors);
  };
}
