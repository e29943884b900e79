// HTTP tools: a tenant describes an endpoint (method, URL template, headers, an auth header taken
// from a stored secret) and the model calls it with arguments matching the tool's schema.
// Arguments named in the URL template fill it (URL-encoded); the rest go in the query string
// (GET, DELETE) or as a JSON body. Only hosts the operator lists (PARLEY_TOOL_HOSTS) are
// reachable, redirects are not followed, and the response read is capped, so a tool cannot
// walk the server into its own network or its memory.
import { z } from 'zod';
import { schemaValidator } from '../json-schema.js';
import { TOOL_NAME, type Tool, type ToolOutput } from '../tool-types.js';

/** Bytes of a response read; the rest is dropped (the toolbox caps what the model reads further). */
const MAX_RESPONSE_BYTES = 256 * 1024;
/** Characters of an error response's body the model is shown. */
const ERROR_SNIPPET_CHARS = 500;

const PLACEHOLDER = /\{([a-zA-Z0-9_]+)\}/g;
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
/** Headers a definition may not set itself: credentials go through `auth`, the rest are the client's. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'cookie',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
]);

export const SECRET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Whether `template`'s scheme and host are fixed (no placeholder before the path). */
function fixedOrigin(template: string): boolean {
  const match = /^https?:\/\/([^/?#]*)/.exec(template);
  return match !== null && !match[1]!.includes('{');
}

export const httpToolDefinition = z
  .object({
    name: z
      .string()
      .regex(TOOL_NAME, 'a tool name is 1-64 letters, digits, _ or -')
      .refine(
        (name) => !name.includes('__'),
        'a double underscore is kept for MCP servers’ tools (server__tool)',
      )
      .refine((name) => name !== 'knowledge_search', 'knowledge_search is the built-in search'),
    description: z.string().trim().min(1).max(2_000).describe('What the tool does, for the model'),
    parameters: z
      .record(z.string(), z.unknown())
      .refine((schema) => schema.type === 'object', 'parameters is a JSON Schema of type object')
      .describe('JSON Schema of the arguments object'),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    url: z
      .string()
      .max(2_000)
      .refine(fixedOrigin, 'url is http(s)://host/... with placeholders only after the host')
      .refine((url) => URL.canParse(url.replace(PLACEHOLDER, 'x')), 'url is not a URL')
      .describe('URL template: {argument} is replaced by that argument, URL-encoded'),
    headers: z
      .record(z.string().regex(HEADER_NAME), z.string().max(1_000))
      .refine(
        (headers) => Object.keys(headers).every((name) => !RESERVED_HEADERS.has(name.toLowerCase())),
        'credentials go in auth; Host, Cookie and framing headers cannot be set',
      )
      .optional(),
    auth: z
      .object({
        header: z.string().regex(HEADER_NAME).default('Authorization'),
        /** The stored secret (PUT /v1/tool-secrets/{name}) the header carries. */
        secret: z.string().regex(SECRET_NAME),
        /** Written before the secret, e.g. `Bearer `. */
        prefix: z.string().max(32).default(''),
      })
      .strict()
      .optional(),
    timeout_ms: z.number().int().min(100).max(120_000).optional(),
    /** Acts on the world: a call waits for approval (default: every method but GET). */
    side_effects: z.boolean().optional(),
  })
  .strict()
  .superRefine((definition, context) => {
    try {
      schemaValidator(definition.parameters);
    } catch (error) {
      context.addIssue({ code: 'custom', path: ['parameters'], message: (error as Error).message });
    }
  });

export type HttpToolDefinition = z.infer<typeof httpToolDefinition>;

/** Hosts tools may reach: `host` or `host:port` entries (PARLEY_TOOL_HOSTS). */
export function hostAllowed(hosts: readonly string[], url: URL): boolean {
  return hosts.includes(url.host) || hosts.includes(url.hostname);
}

export interface HttpToolDeps {
  hosts: readonly string[];
  /** The secret's value for this tenant, or undefined when it is not set (or cannot be opened). */
  secret(tenantId: string, name: string): Promise<string | undefined>;
}

export function httpTool(definition: HttpToolDefinition, deps: HttpToolDeps): Tool {
  const { method } = definition;
  return {
    name: definition.name,
    description: definition.description,
    parameters: definition.parameters,
    sideEffects: definition.side_effects ?? method !== 'GET',
    ...(definition.timeout_ms === undefined ? {} : { timeoutMs: definition.timeout_ms }),
    async call(args, context): Promise<ToolOutput> {
      const used = new Set<string>();
      const target = new URL(
        definition.url.replace(PLACEHOLDER, (_, key: string) => {
          used.add(key);
          return encodeURIComponent(scalar(args[key]));
        }),
      );
      if (!hostAllowed(deps.hosts, target)) {
        return { text: `This tool's host (${target.host}) is not allowed on this server.`, isError: true };
      }
      const rest = Object.entries(args).filter(([key]) => !used.has(key));
      const headers: Record<string, string> = {
        accept: 'application/json, text/plain;q=0.9, */*;q=0.5',
        'user-agent': 'parley-tools',
        ...definition.headers,
      };
      let body: string | undefined;
      if (method === 'GET' || method === 'DELETE') {
        for (const [key, value] of rest) target.searchParams.set(key, scalar(value));
      } else {
        body = JSON.stringify(Object.fromEntries(rest));
        headers['content-type'] = 'application/json';
      }
      if (definition.auth) {
        const value = await deps.secret(context.tenantId, definition.auth.secret);
        if (value === undefined) {
          return { text: `This tool's secret (${definition.auth.secret}) is not set.`, isError: true };
        }
        headers[definition.auth.header] = `${definition.auth.prefix}${value}`;
      }
      const response = await fetch(target, {
        method,
        headers,
        body,
        signal: context.signal,
        redirect: 'manual',
      });
      const text = await readCapped(response);
      // The service is failing (or shedding load): a fault, which the tool's circuit breaker counts.
      if (response.status >= 500 || response.status === 429) throw new Error(`HTTP ${response.status}`);
      if (response.status >= 300) {
        const why =
          response.status < 400 ? 'a redirect, which is not followed' : text.slice(0, ERROR_SNIPPET_CHARS);
        return { text: `HTTP ${response.status}: ${why}`, isError: true };
      }
      return { text, isError: false };
    },
  };
}

/** An argument as text in a URL: strings as they are, anything else as JSON. */
const scalar = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);

/** The response body as text, at most MAX_RESPONSE_BYTES of it (the rest is not read). */
async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_RESPONSE_BYTES) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}
