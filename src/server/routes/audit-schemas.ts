// The audit log route's schemas: a page of entries, newest first, and its cursor.
import { z } from 'zod';
import { timestamp } from './http-schemas.js';

export const auditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z
      .string()
      .regex(/^\d{1,18}$/, 'before is the next_before of the previous page')
      .optional()
      .describe("The previous page's next_before: entries older than that"),
    action: z
      .string()
      .regex(/^[a-z_]+\.[a-z_]+$/, 'an action is like key.revoked')
      .optional()
      .describe('Only this action, e.g. key.revoked'),
  })
  .strict();

export const auditEntry = z
  .object({
    id: z.string(),
    created_at: timestamp,
    action: z.string().meta({
      description:
        'key.created, key.revoked, key.rotated, bot.created, bot.updated, bot.deleted, document.uploaded, ' +
        'document.deleted, budget.updated, curated.created, curated.imported, curated.updated, curated.deleted, ' +
        'tool.saved, tool.deleted, tool_secret.set, tool_secret.deleted, user.erased, retention.updated, ' +
        'conversations.expired (by the retention sweep: details count what it deleted)',
      examples: ['key.revoked'],
    }),
    actor_key_id: z
      .string()
      .nullable()
      .describe('The key that acted; null for the command line, a keyless local client or a background job'),
    via: z.enum(['api', 'cli', 'job']),
    target_id: z.string().nullable().describe('What it acted on (a key, bot or document id)'),
    details: z
      .record(z.string(), z.unknown())
      .describe('What the change carried: field names, never values or secrets (a sweep: what it deleted)'),
  })
  .meta({ id: 'AuditEntry' });

export const auditPage = z.object({
  entries: z.array(auditEntry).describe('Newest first'),
  next_before: z.string().nullable().describe('Pass as `before` for the next (older) page; null at the end'),
});
