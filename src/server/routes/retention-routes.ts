// The calling tenant's retention periods: GET /v1/retention, and PUT /v1/retention (admin keys) to
// set how many days its conversations (after their last activity), messages (after they were
// written), turn traces and per-turn usage rows are kept. The background sweeps (orchestrator/conversation-retention.ts,
// jobs/trace-retention.ts, accounting/usage-retention.ts) delete what is older; a tenant may set
// any period up to the operator's maximum for that kind. Each change is in the audit log, as is
// each conversation sweep that deleted something (`conversations.expired`).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { validationError } from '../../errors/index.js';
import {
  NO_PERIODS,
  type RetentionPeriods,
  readRetention,
  writeRetention,
} from '../../orchestrator/index.js';
import { type Database, effectiveDays, type PeriodBounds } from '../../storage/index.js';
import { errorResponses, TAGS } from './http-schemas.js';
import { tenantDb } from './tenant-db.js';

const tags = [TAGS.usage];

const days = z.number().int().min(1).max(36_500);
const own = (what: string) => days.nullable().default(null).describe(`${what}; null: the server's default`);

/** PUT replaces every period: an absent one (no body, or `{}`) goes back to the server's default. */
const retentionBody = z
  .object({
    conversation_days: own(
      'Days a conversation (its messages, traces, feedback, waiting actions) is kept after its last activity',
    ),
    message_days: own(
      "Days a message is kept after it was written, even in a conversation still in use (with its turn's trace and rating; a conversation left with no message goes)",
    ),
    trace_days: own(
      "Days a turn's trace is kept (at most max_trace_days; a conversation's expiry takes its traces earlier)",
    ),
    usage_detail_days: own(
      'Days a per-turn usage row is kept before it is rolled into daily totals per key, bot and model (at most max_usage_detail_days)',
    ),
  })
  .strict()
  .nullable()
  .meta({ examples: [{ conversation_days: 90, message_days: 180, trace_days: 14, usage_detail_days: 30 }] })
  .transform((body) => body ?? NO_PERIODS);

const retentionView = z.object({
  conversation_days: days.nullable().describe("The tenant's own period (null: the server's default)"),
  default_conversation_days: days
    .nullable()
    .describe('The server default (PARLEY_CONVERSATION_RETENTION_DAYS; null: kept)'),
  effective_conversation_days: days
    .nullable()
    .describe('The period the sweep applies to this tenant (null: conversations are kept)'),
  message_days: days.nullable().describe("The tenant's own message period (null: the server's default)"),
  default_message_days: days
    .nullable()
    .describe('The server default (PARLEY_MESSAGE_RETENTION_DAYS; null: kept)'),
  effective_message_days: days
    .nullable()
    .describe(
      'The period the message sweep applies to this tenant (null: messages go with their conversation only)',
    ),
  trace_days: days.nullable().describe("The tenant's own trace period (null: the server's default)"),
  default_trace_days: days.describe('The server default (PARLEY_TRACE_RETENTION_DAYS)'),
  max_trace_days: days.describe(
    'The longest trace period a tenant may set (PARLEY_TRACE_RETENTION_MAX_DAYS)',
  ),
  effective_trace_days: days.describe('The period the trace sweep applies to this tenant'),
  usage_detail_days: days
    .nullable()
    .describe("The tenant's own usage detail period (null: the server's default)"),
  default_usage_detail_days: days
    .nullable()
    .describe('The server default (PARLEY_USAGE_DETAIL_RETENTION_DAYS; null: kept)'),
  max_usage_detail_days: days
    .nullable()
    .describe(
      'The longest usage detail period a tenant may set (PARLEY_USAGE_DETAIL_RETENTION_MAX_DAYS; null: none)',
    ),
  effective_usage_detail_days: days
    .nullable()
    .describe('The period the usage detail sweep applies to this tenant (null: per-turn rows are kept)'),
});

export interface RetentionRoutesOptions {
  db: Database;
  /** PARLEY_CONVERSATION_RETENTION_DAYS (undefined: kept). */
  defaultDays: number | undefined;
  /** PARLEY_MESSAGE_RETENTION_DAYS (undefined: kept). */
  messageDefaultDays: number | undefined;
  /** PARLEY_TRACE_RETENTION_DAYS and PARLEY_TRACE_RETENTION_MAX_DAYS. */
  trace: { defaultDays: number; maxDays: number };
  /** PARLEY_USAGE_DETAIL_RETENTION_DAYS and PARLEY_USAGE_DETAIL_RETENTION_MAX_DAYS. */
  usageDetail: PeriodBounds;
}

export const retentionRoutes: FastifyPluginAsync<RetentionRoutesOptions> = async (
  app,
  { db, defaultDays, messageDefaultDays, trace, usageDetail },
) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const view = (periods: RetentionPeriods) => ({
    conversation_days: periods.conversation_days,
    default_conversation_days: defaultDays ?? null,
    effective_conversation_days: effectiveDays(periods.conversation_days, { defaultDays }),
    message_days: periods.message_days,
    default_message_days: messageDefaultDays ?? null,
    effective_message_days: effectiveDays(periods.message_days, { defaultDays: messageDefaultDays }),
    trace_days: periods.trace_days,
    default_trace_days: trace.defaultDays,
    max_trace_days: trace.maxDays,
    effective_trace_days: effectiveDays(periods.trace_days, trace) ?? trace.defaultDays,
    usage_detail_days: periods.usage_detail_days,
    default_usage_detail_days: usageDetail.defaultDays ?? null,
    max_usage_detail_days: usageDetail.maxDays ?? null,
    effective_usage_detail_days: effectiveDays(periods.usage_detail_days, usageDetail),
  });

  api.get(
    '/v1/retention',
    {
      schema: {
        tags,
        summary: "How long the tenant's conversations, messages, traces and usage detail are kept",
        response: { 200: retentionView, ...errorResponses },
      },
    },
    async (request) => view(await readRetention(tenantDb(db, request), request.principal.tenantId)),
  );

  api.put(
    '/v1/retention',
    {
      schema: {
        tags,
        summary:
          "Set how long the tenant's conversations, messages, traces and usage detail are kept (admin keys)",
        description:
          "Replaces all four periods (an absent one: the server default). Hourly background sweeps delete every conversation whose last activity is older, with its messages, turn traces, feedback, waiting actions and visitor claims (usage rows stay, detached); every message older than `message_days`, with its turn's trace and rating (a conversation it leaves without messages goes, and the summary of one it leaves is cleared); every turn trace older than `trace_days`; and every per-turn usage row of a UTC day older than `usage_detail_days`, after adding it to the daily totals per key, bot and model that `GET /v1/usage` and the budgets read, so their figures do not change. A tenant may set any period up to the operator maximum for that kind (400 past it). Each conversation or message sweep that deleted something writes a `conversations.expired` or `messages.expired` entry in the audit log.",
        body: retentionBody,
        response: { 200: retentionView, ...errorResponses },
      },
    },
    async (request) => {
      const periods = request.body;
      if (periods.trace_days !== null && periods.trace_days > trace.maxDays) {
        throw validationError(`trace_days may be at most ${trace.maxDays} (the operator's maximum)`);
      }
      const usageMax = usageDetail.maxDays;
      if (
        usageMax !== undefined &&
        periods.usage_detail_days !== null &&
        periods.usage_detail_days > usageMax
      ) {
        throw validationError(`usage_detail_days may be at most ${usageMax} (the operator's maximum)`);
      }
      await writeRetention(tenantDb(db, request), request.principal.tenantId, periods);
      return view(periods);
    },
  );
};
