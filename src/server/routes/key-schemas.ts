// The keys routes' schemas: what a key is created or rotated with, and how a key is listed (never
// its secret). No request examples: the OpenAPI test sends them to a keyless server, and a created
// key would end its keyless access.
import { z } from 'zod';
import { KEY_SCOPES, MAX_ROTATION_OVERLAP_SECONDS } from '../../edge/index.js';
import { timestamp } from './http-schemas.js';

const keyId = z
  .string()
  .regex(/^[0-9a-f]{16}$/, 'a key id is 16 hex digits (the part after parley_ or pk_)')
  .meta({ examples: ['3f9a1c0d5e7b2a64'] });

export const keyParams = z.object({ id: keyId });

const scope = z.enum(KEY_SCOPES);

export const createKeyBody = z
  .object({
    label: z.string().trim().min(1).max(200).optional().describe('A note to recognise the key by'),
    scopes: z
      .array(scope)
      .min(1)
      .max(KEY_SCOPES.length)
      .optional()
      .describe(
        'chat: the chat endpoints only; read: every GET but the keys and the audit log; admin: everything (the default)',
      ),
    expires_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the key stops working (401 after); never when left out'),
    expires_in: z
      .number()
      .int()
      .min(1)
      .max(10 * 365 * 24 * 3600)
      .optional()
      .describe('Or: seconds from now until it stops working'),
  })
  .strict()
  .refine((body) => body.expires_at === undefined || body.expires_in === undefined, {
    message: 'give expires_at or expires_in, not both',
  });

/** No body, or `{}`, keeps the old secret working for 24 hours. */
export const rotateKeyBody = z
  .object({
    overlap_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_ROTATION_OVERLAP_SECONDS)
      .optional()
      .describe('How long the old secret keeps working (default 86400: a day; 0: it stops at once)'),
  })
  .strict()
  .nullable();

/** Revoking takes no settings: no body, or `{}`. */
export const revokeKeyBody = z.object({}).strict().nullable();

export const keyView = z
  .object({
    id: z.string(),
    kind: z.enum(['secret', 'publishable']),
    label: z.string().nullable(),
    scopes: z.array(scope).describe('A publishable key may only chat, through the widget'),
    status: z.enum(['active', 'expired', 'revoked']),
    created_at: timestamp,
    expires_at: timestamp.nullable(),
    last_used_at: timestamp.nullable().describe('Written at most once a minute per key'),
    revoked_at: timestamp.nullable(),
    rotated_at: timestamp.nullable(),
    previous_secret_expires_at: timestamp
      .nullable()
      .describe('After a rotation: until when the old secret still works'),
    bot: z.string().nullable().describe('A publishable key: its bot'),
    allowed_origins: z.array(z.string()).describe('A publishable key: the origins that may use it'),
  })
  .meta({ id: 'ApiKey' });

export const keyList = z.object({ keys: z.array(keyView) });

/** A key with its secret: answered once, by creation and rotation. */
export const keyWithSecret = z.object({
  key: z.string().describe('The whole key, to send as `Authorization: Bearer <key>`: shown this once only'),
  api_key: keyView,
});
