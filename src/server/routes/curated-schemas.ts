// The curated-answers routes' schemas: a question -> answer pair, a change, an import, the pages of
// the list. Lengths are checked here and again by CuratedAnswers (for the CLI's imports).
import { z } from 'zod';
import { MAX_ANSWER_CHARS, MAX_CURATED_PER_BOT, MAX_QUESTION_CHARS } from '../../orchestrator/index.js';
import { timestamp } from './http-schemas.js';

/** Pairs one import request may carry; larger sets go through `parley curated import`. */
export const MAX_IMPORT_ENTRIES = 1_000;

const question = z
  .string()
  .trim()
  .min(1, 'question must not be empty')
  .max(MAX_QUESTION_CHARS)
  .describe('Matched without case, punctuation or filler words; one per bot in that form');
const answer = z
  .string()
  .trim()
  .min(1, 'answer must not be empty')
  .max(MAX_ANSWER_CHARS)
  .describe('Sent as the reply, with no model call');

export const curatedBotParams = z.object({
  bot: z
    .string()
    .min(1)
    .max(63)
    .meta({ examples: ['parley'] }),
});

export const curatedParams = curatedBotParams.extend({
  id: z.uuid('id must be a UUID').meta({ examples: ['0b6c52ab-8f2c-4c57-9d64-2a9a6d3f3c11'] }),
});

export const curatedPageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const createCuratedBody = z
  .object({ question, answer })
  .strict()
  .meta({
    examples: [
      {
        question: 'How do I reset my password?',
        answer: 'Use the "Forgot password" link on the sign-in page; the email arrives within a minute.',
      },
    ],
  });

// No example: the route changes an entry a client created, by its generated id.
export const patchCuratedBody = z
  .object({ question: question.optional(), answer: answer.optional() })
  .strict()
  .refine((change) => change.question !== undefined || change.answer !== undefined, {
    message: 'give question, answer or both',
  });

export const importCuratedBody = z
  .array(z.object({ question, answer }).strict())
  .min(1, 'give at least one {question, answer}')
  .max(MAX_IMPORT_ENTRIES, `at most ${MAX_IMPORT_ENTRIES} entries per request: use \`parley curated import\``)
  .describe(
    `Added, or replacing the answer of a question the bot has already (a bot holds at most ${MAX_CURATED_PER_BOT})`,
  )
  .meta({
    examples: [
      [
        { question: 'What are your opening hours?', answer: 'Monday to Friday, 9:00 to 17:00 (CET).' },
        { question: 'Do you ship abroad?', answer: 'Yes, to every EU country; shipping takes 3 to 5 days.' },
      ],
    ],
  });

export const curatedView = z
  .object({
    id: z.uuid(),
    bot_id: z.string(),
    question: z.string(),
    answer: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'CuratedAnswer' });

export const curatedList = z.object({
  curated_answers: z.array(curatedView).describe('Oldest first'),
  limit: z.number(),
  offset: z.number(),
});

export const importResult = z.object({
  imported: z.number().describe('New entries'),
  updated: z.number().describe('Entries whose question the bot had: their answer replaced'),
});
