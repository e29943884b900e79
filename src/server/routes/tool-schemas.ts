// The tools routes' schemas: a tenant's HTTP tool (validated whole by the tool layer's
// httpToolDefinition, which says what is wrong), and its secrets, which are written, never read.
import { z } from 'zod';
import { SECRET_NAME, TOOL_NAME } from '../../tools/index.js';
import { timestamp } from './http-schemas.js';

export const toolParams = z.object({
  name: z
    .string()
    .regex(TOOL_NAME, 'a tool name is 1-64 letters, digits, _ or -')
    .meta({ examples: ['get_order'] }),
});

export const secretParams = z.object({
  name: z
    .string()
    .regex(SECRET_NAME, 'a secret name is 1-64 letters, digits, _, . or -')
    .meta({ examples: ['orders_api_token'] }),
});

const WEATHER_TOOL = {
  description: 'Current weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string', description: 'City name, e.g. Oslo' } },
    required: ['city'],
    additionalProperties: false,
  },
  method: 'GET',
  url: 'https://api.example.com/weather/{city}',
  auth: { header: 'Authorization', secret: 'weather_token', prefix: 'Bearer ' },
  timeout_ms: 5000,
};

export const toolBody = z
  .record(z.string(), z.unknown())
  .describe(
    'description, parameters (JSON Schema of an object), method (GET default), url (template: {argument} is that argument, URL-encoded; the rest go in the query string or a JSON body), headers, auth {header, secret, prefix}, timeout_ms, side_effects (default: every method but GET). The host must be listed in PARLEY_TOOL_HOSTS.',
  )
  .meta({ examples: [WEATHER_TOOL] });

export const toolView = z
  .object({
    name: z.string(),
    description: z.string(),
    parameters: z.record(z.string(), z.unknown()),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    url: z.string(),
    headers: z.record(z.string(), z.string()).optional(),
    auth: z.object({ header: z.string(), secret: z.string(), prefix: z.string() }).optional(),
    timeout_ms: z.number().int().optional(),
    side_effects: z.boolean().optional(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Tool' });

export const toolList = z.object({ tools: z.array(toolView) });

export const secretBody = z
  .object({ value: z.string().min(1).max(8_192).describe('Stored sealed; never returned') })
  .strict()
  .meta({ examples: [{ value: 'sk-live-0000' }] });

export const secretList = z.object({
  secrets: z.array(z.object({ name: z.string(), updated_at: timestamp })),
});
