// The bots routes' schemas: what a bot may be created or changed with, and how it is shown.
// Settings are checked here by the same schema the bot layer applies (bots.create checks again).
import { z } from 'zod';
import { BOT_ID, botSettingsSchema } from '../../orchestrator/index.js';
import { errorResponses, TAGS, timestamp } from './http-schemas.js';

const botId = z
  .string()
  .regex(BOT_ID, 'id must be 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit')
  .meta({ examples: ['support'] });
const name = z.string().trim().min(1).max(200);

export const botParams = z.object({
  id: z
    .string()
    .min(1)
    .max(63)
    .meta({ examples: ['support'] }),
});

export const createBotBody = z
  .object({
    id: botId,
    name: name.optional().describe('Shown in lists; the id when left out'),
    settings: botSettingsSchema.optional().describe("Left-out settings take the server's defaults"),
  })
  .strict()
  .meta({
    examples: [
      {
        id: 'support',
        name: 'Support',
        settings: {
          models: ['openai:gpt-4o-mini'],
          system_prompt: 'You are the support bot. Answer from the passages only, with citations.',
          top_k: 6,
          min_relevance: 0.3,
        },
      },
    ],
  });

// Each setting of a change replaces the bot's; null removes it (back to the server's default).
const settingsPatch = z
  .object(
    Object.fromEntries(
      Object.entries(botSettingsSchema.shape).map(([key, schema]) => [key, schema.nullable()]),
    ) as { [K in keyof typeof botSettingsSchema.shape]: z.ZodNullable<(typeof botSettingsSchema.shape)[K]> },
  )
  .strict();

/** A change: no body, or `{}`, changes nothing. */
export const patchBotBody = z
  .object({ name: name.optional(), settings: settingsPatch.optional() })
  .strict()
  .nullable()
  .meta({ examples: [{ name: 'Support desk', settings: { top_k: null, min_relevance: 0.4 } }] });

export const botView = z
  .object({
    id: z.string(),
    name: z.string(),
    settings: botSettingsSchema.describe("The bot's own settings"),
    effective: z
      .object({
        models: z.array(z.string()),
        escalation_models: z.array(z.string()),
        escalation: z.object({
          query_tokens: z.number(),
          conversation_messages: z.number(),
          below_coverage: z.number(),
        }),
        system_prompt: z.string(),
        min_relevance: z.number(),
        top_k: z.number(),
        context_tokens: z.number(),
        max_answer_tokens: z.number(),
        answer_cache: z.boolean(),
      })
      .describe('What a turn of this bot uses: its settings over the defaults'),
    prompt_version: z.string().describe('The version id of its system prompt (see GET /v1/prompts)'),
    created_at: timestamp.nullable(),
    updated_at: timestamp.nullable(),
  })
  .meta({ id: 'Bot' });

export const botList = z.object({ bots: z.array(botView) });

/** GET /v1/models: the tenant's bots, as OpenAI lists models. */
export const modelList = z.object({
  object: z.literal('list'),
  data: z.array(
    z.object({
      id: z.string().describe('A bot id'),
      object: z.literal('model'),
      created: z.number(),
      owned_by: z.string(),
    }),
  ),
});

export const modelsRoute = {
  tags: [TAGS.openai],
  summary: "The tenant's bots, as OpenAI lists models",
  response: { 200: modelList, ...errorResponses },
};
