// The feedback routes' schemas: a rating of one answer (thumbs up or down, an optional comment),
// and the operators' list of ratings with their turns' questions and answers.
import { z } from 'zod';
import { FEEDBACK_RATINGS, MAX_FEEDBACK_COMMENT_CHARS } from '../../orchestrator/index.js';
import { errorResponses, TAGS, timestamp } from './http-schemas.js';

const rating = z.enum(FEEDBACK_RATINGS);

export const feedbackParams = z.object({ turn_id: z.uuid('turn_id must be a UUID') });

// No example: the route rates a turn the server answered, by its generated id.
export const feedbackBody = z
  .object({
    rating: rating.describe('Thumbs up or down'),
    comment: z
      .string()
      .max(MAX_FEEDBACK_COMMENT_CHARS)
      .optional()
      .describe('Why; stored with personal data redacted by the bot’s PII policy, as messages are'),
  })
  .strict();

const feedbackFields = {
  turn_id: z.string(),
  conversation_id: z.string(),
  bot_id: z.string(),
  rating,
  comment: z.string().nullable().describe('As stored: PII redacted'),
  turn_at: timestamp.describe('When the rated answer was given'),
  created_at: timestamp.describe('When the turn was first rated'),
  updated_at: timestamp.describe('When the rating was last given'),
};

export const feedbackView = z
  .object({
    ...feedbackFields,
    offer_handoff: z
      .boolean()
      .describe('true for a `down` rating of a bot that hands over to people (its intents.handoff is on)'),
  })
  .meta({ id: 'Feedback' });

export const feedbackQuery = z
  .object({
    bot: z.string().min(1).max(63).optional(),
    rating: rating.optional(),
    from: z.iso
      .datetime({ offset: true, message: 'from must be an ISO 8601 date-time' })
      .optional()
      .describe('Rated at or after'),
    to: z.iso
      .datetime({ offset: true, message: 'to must be an ISO 8601 date-time' })
      .optional()
      .describe('Rated before'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const feedbackList = z.object({
  feedback: z.array(
    z.object({
      ...feedbackFields,
      question: z.string().nullable().describe("The user's message of the turn"),
      answer: z.string().nullable(),
      citations: z.array(z.unknown()),
    }),
  ),
});

export const rateRouteSchema = {
  tags: [TAGS.chat],
  summary: 'Rate an answer: thumbs up or down, and an optional comment',
  description:
    'One rating per turn: a second POST replaces the first (200; the first is 201). A widget visitor (publishable key) rates only the turns of conversations it started (403). A turn is rated once its answer is stored, moments after it is given (404 before, and for another tenant’s turn). A `down` rating of a bot with intents.handoff on answers `offer_handoff: true`: the front end may offer a person.',
  params: feedbackParams,
  body: feedbackBody,
  response: {
    200: feedbackView.describe('The rating replaced an earlier one'),
    201: feedbackView.describe('The turn’s first rating'),
    ...errorResponses,
  },
};

export const listRouteSchema = {
  tags: [TAGS.operations],
  summary: "The tenant's ratings, the latest first, with each turn's question and answer",
  description: 'For operators: publishable (widget) keys are refused.',
  querystring: feedbackQuery,
  response: { 200: feedbackList, ...errorResponses },
};
