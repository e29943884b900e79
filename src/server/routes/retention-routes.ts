// The calling tenant's retention period: GET /v1/retention, and PUT /v1/retention (admin keys) to
// set how many days a conversation is kept after its last activity. The background sweep
// (orchestrator/conversation-retention.ts) deletes what is older; each sweep that deleted something
// is in the audit log (`conversations.expired`), as is each change of the period.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readRetention, writeRetention } from '../../orchestrator/index.js';
import type { Database } from '../../storage/index.js';
import { errorResponses, TAGS } from './http-schemas.js';
import { tenantDb } from './tenant-db.js';

const tags = [TAGS.usage];

const days = z.number().int().min(1).max(36_500);

/** No body, or `{}`, goes back to the server's default. */
const retentionBody = z
  .object({
    conversation_days: days
      .nullable()
      .default(null)
      .describe(
        "Days a conversation (its messages, traces, feedback, waiting actions) is kept after its last activity; null: the server's default",
      ),
  })
  .strict()
  .nullable()
  .meta({ examples: [{ conversation_days: 90 }] })
  .transform((body) => body ?? { conversation_days: null });

const retentionView = z.object({
  conversation_days: days.nullable().describe("The tenant's own period (null: the server's default)"),
  default_conversation_days: days
    .nullable()
    .describe('The server default (PARLEY_CONVERSATION_RETENTION_DAYS; null: kept)'),
  effective_conversation_days: days
    .nullable()
    .describe('The period the sweep applies to this tenant (null: conversations are kept)'),
});

export interface RetentionRoutesOptions {
  db: Database;
  /** PARLEY_CONVERSATION_RETENTION_DAYS (undefined: kept). */
  defaultDays: number | undefined;
}

export const retentionRoutes: FastifyPluginAsync<RetentionRoutesOptions> = async (
  app,
  { db, defaultDays },
) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const view = (own: number | null) => ({
    conversation_days: own,
    default_conversation_days: defaultDays ?? null,
    effective_conversation_days: own ?? defaultDays ?? null,
  });

  api.get(
    '/v1/retention',
    {
      schema: {
        tags,
        summary: "How long the tenant's conversations and messages are kept",
        response: { 200: retentionView, ...errorResponses },
      },
    },
    async (request) => {
      const periods = await readRetention(tenantDb(db, request), request.principal.tenantId);
      return view(periods.conversation_days);
    },
  );

  api.put(
    '/v1/retention',
    {
      schema: {
        tags,
        summary: "Set how long the tenant's conversations and messages are kept (admin keys)",
        description:
          'A background sweep (hourly) deletes every conversation whose last activity is older, with its messages, turn traces, feedback, waiting actions and visitor claims; usage rows stay for accounting. Each sweep that deleted something writes a `conversations.expired` entry in the audit log.',
        body: retentionBody,
        response: { 200: retentionView, ...errorResponses },
      },
    },
    async (request) => {
      await writeRetention(tenantDb(db, request), request.principal.tenantId, request.body);
      return view(request.body.conversation_days);
    },
  );
};
