// Schemas every area's routes share: the error body, ids in paths, and the responses without a
// body. Response objects are documented as open (openapi-transforms.ts): the document promises the
// fields named, and the surface may add more (DESIGN.md: extend freely, do not break).
import { z } from 'zod';

/** The uniform error body (one error handler writes it, with a 4xx or 5xx status). */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({
        description: 'A stable code, e.g. PARLEY_ERR_VALIDATION',
        examples: ['PARLEY_ERR_VALIDATION'],
      }),
      message: z.string().meta({ description: 'What went wrong, for a person to read' }),
    }),
  })
  .meta({ id: 'Error', description: 'An error: `{"error": {"code", "message"}}`' });

/** The error responses of every route: a client mistake (4xx) or a server fault (5xx). */
export const errorResponses = {
  '4xx': errorBody.describe('The request was refused (bad input, no or wrong key, not found, limits)'),
  '5xx': errorBody.describe('The server could not answer (internal error, dependency down, shutting down)'),
} as const;

/** A 204 answer. */
export const noContent = z.undefined().describe('Done; no body');

/** A path holding one resource id (a UUID). */
export const uuidParams = z.object({
  id: z.uuid('id must be a UUID').meta({ examples: ['0b6c52ab-8f2c-4c57-9d64-2a9a6d3f3c11'] }),
});

/** An ISO 8601 timestamp as the API writes it. */
export const timestamp = z.string().meta({ format: 'date-time', examples: ['2025-05-01T12:00:00.000Z'] });

/** The document's tags: they group the routes by area on the reference page. */
export const TAGS = {
  chat: 'chat',
  documents: 'documents',
  bots: 'bots',
  curated: 'curated answers',
  tools: 'tools',
  usage: 'usage',
  operations: 'operations',
  openai: 'openai',
  handoff: 'handoff',
  keys: 'keys and audit log',
  reference: 'reference',
} as const;
