// The dashboard route's schemas: a bounded time range (hourly buckets over a month at most, any
// range over 90 days at most) and the figures it answers with.
import { z } from 'zod';
import { timestamp } from './http-schemas.js';

const DAY_MS = 86_400_000;
/** The widest range one request may ask for; older traces stay readable a range at a time. */
export const MAX_DASHBOARD_DAYS = 90;
/** Hourly buckets over at most a month (744 points), so a response stays small. */
const MAX_HOURLY_DAYS = 31;

export const dashboardQuery = z
  .object({
    from: z.iso
      .datetime({ offset: true, message: 'from must be an ISO 8601 date-time' })
      .optional()
      .describe('Start, inclusive (default: a day or a week before `to`, by bucket)'),
    to: z.iso
      .datetime({ offset: true, message: 'to must be an ISO 8601 date-time' })
      .optional()
      .describe('End, exclusive (default: now)'),
    bucket: z.enum(['hour', 'day']).optional().describe('Default: hours for up to 2 days, else days'),
    not_found_limit: z.coerce.number().int().min(0).max(200).default(20),
    worst_rated_limit: z.coerce
      .number()
      .int()
      .min(0)
      .max(200)
      .default(20)
      .describe('How many of the worst-rated questions to list'),
  })
  .strict()
  .transform((query, ctx) => {
    const to = query.to ? new Date(query.to) : new Date();
    // The default range: a day in hours, or a week in days.
    const from = query.from
      ? new Date(query.from)
      : new Date(to.getTime() - (query.bucket === 'hour' ? DAY_MS : 7 * DAY_MS));
    if (from >= to) ctx.addIssue({ code: 'custom', message: 'from must be before to', path: ['from'] });
    if (to.getTime() - from.getTime() > MAX_DASHBOARD_DAYS * DAY_MS) {
      ctx.addIssue({
        code: 'custom',
        message: `the range may span at most ${MAX_DASHBOARD_DAYS} days`,
        path: ['from'],
      });
    }
    const bucket = query.bucket ?? (to.getTime() - from.getTime() <= 2 * DAY_MS ? 'hour' : 'day');
    if (bucket === 'hour' && to.getTime() - from.getTime() > MAX_HOURLY_DAYS * DAY_MS) {
      ctx.addIssue({
        code: 'custom',
        message: `hourly buckets may span at most ${MAX_HOURLY_DAYS} days: use bucket=day`,
        path: ['bucket'],
      });
    }
    return {
      from,
      to,
      bucket,
      notFoundLimit: query.not_found_limit,
      worstRatedLimit: query.worst_rated_limit,
    };
  });

const ms = z.number().nullable();
const percentiles = z.object({ p50: ms, p95: ms, p99: ms }).describe('Milliseconds; null without a measure');
const rate = z.number().nullable().describe('Share of the turns, 0-1; null without turns');

const turnFigures = {
  turns: z.number(),
  conversations: z.number(),
  latency_ms: percentiles,
  first_token_ms: percentiles,
  error_rate: rate,
  fallback_rate: rate,
  degraded_rate: rate,
  retrieval_hit_rate: rate,
  cost_usd: z.number(),
  cost_per_conversation_usd: z.number().nullable(),
  answer_cache_hits: z.number().describe('Turns the answer cache answered'),
  answer_cache_hit_rate: rate.describe(
    'Share of the turns that asked the answer cache it answered; null when none asked',
  ),
  saved_usd: z.number().describe('What the cached answers cost when first made: what the hits saved'),
};

export const dashboardView = z.object({
  from: timestamp,
  to: timestamp,
  bucket: z.enum(['hour', 'day']),
  totals: z.object(turnFigures),
  buckets: z
    .array(z.object({ ...turnFigures, start: timestamp }))
    .describe('Every bucket of the range in order, empty ones included'),
  days: z.array(
    z.object({
      day: z.string(),
      cost_usd: z.number(),
      conversations: z.number(),
      cost_per_conversation_usd: z.number().nullable(),
    }),
  ),
  not_found: z
    .array(
      z.object({
        turn_id: z.string(),
        conversation_id: z.string().nullable(),
        question: z.string().nullable(),
        at: timestamp,
        coverage: z.number().nullable(),
        threshold: z.number().nullable(),
      }),
    )
    .describe('The latest questions that found no good passage'),
  intents: z
    .array(z.object({ intent: z.string(), handler: z.string(), turns: z.number() }))
    .describe('Turns per intent and the handler that answered them, the most frequent first'),
  satisfaction: z
    .array(
      z.object({
        bot_id: z.string(),
        day: z.string().describe('YYYY-MM-DD (UTC) of the rated answers'),
        rated: z.number(),
        up: z.number(),
        satisfaction: z.number().describe('Share of the rated answers rated up, 0-1'),
      }),
    )
    .describe("Users' ratings per bot and day, by day then bot"),
  worst_rated: z
    .array(
      z.object({
        turn_id: z.string().describe('The latest answer to the question rated down'),
        conversation_id: z.string(),
        bot_id: z.string(),
        question: z.string().nullable(),
        comment: z.string().nullable(),
        at: timestamp,
        down: z.number().int().describe('Answers to this question by this bot rated down in the range'),
      }),
    )
    .describe(
      'The worst-rated questions: the same question (case, spacing and end punctuation aside) rated down most often first, then the latest; among the latest 2,000 answers rated down',
    ),
});
