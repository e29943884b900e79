// The schemas of what a chat leaves behind: a conversation's messages, a turn's trace and the
// system prompt versions turns record; whole route schemas, for chat-routes.ts to name.
import { z } from 'zod';
import { citation } from './chat-schemas.js';
import { errorResponses, noContent, TAGS, timestamp, uuidParams } from './http-schemas.js';

const tags = [TAGS.chat];

export const conversationView = z
  .object({
    id: z.uuid(),
    state: z
      .enum(['active', 'awaiting_clarification', 'handed_off', 'closed'])
      .describe(
        'Where the conversation stands: the bot answers (active), waits for the answer to its clarifying question, a person answers (handed_off), or closed',
      ),
    messages: z.array(
      z.object({
        id: z.string(),
        turn_id: z.string(),
        role: z.enum(['user', 'assistant']),
        content: z.string(),
        citations: z.array(citation).nullable().describe("The assistant's citations; null for the user"),
        usage: z.unknown(),
        created_at: timestamp,
        author: z
          .enum(['agent'])
          .nullable()
          .describe('Who wrote an assistant message: null for the bot, agent for a person it was handed to'),
        rating: z
          .enum(['up', 'down'])
          .nullable()
          .describe("The bot's answer's rating (POST /v1/turns/{id}/feedback); null when unrated"),
      }),
    ),
    pending_approvals: z
      .array(
        z.object({
          id: z.uuid(),
          turn_id: z.string().describe('The paused turn (its answer is the assistant message of that turn)'),
          tool: z.string(),
          arguments: z.string(),
          approver: z.enum(['user', 'operator']),
        }),
      )
      .describe(
        'Actions the conversation waits on, oldest first: decide with POST /v1/conversations/{id}/approvals/{approval}',
      ),
  })
  .meta({ id: 'Conversation' });

/** The main fields of a trace; it carries more (guard decisions, the OpenTelemetry trace id...). */
export const traceView = z
  .object({
    turn_id: z.uuid(),
    conversation_id: z.uuid(),
    bot: z.string(),
    mode: z.string(),
    model: z.string().nullable().describe('The model that answered'),
    attempts: z.array(z.unknown()).describe('Each model call: model, outcome, time'),
    completed: z.boolean(),
    error: z.string().nullable(),
    retriever: z.string(),
    standalone_question: z
      .string()
      .nullable()
      .optional()
      .describe('What retrieval searched for a follow-up, written from the conversation (null: the message)'),
    standalone_source: z
      .enum(['model', 'rules'])
      .nullable()
      .optional()
      .describe('Who wrote standalone_question: the model step of understanding, or the rules'),
    understanding: z
      .object({
        model: z
          .object({ used: z.boolean() })
          .loose()
          .describe(
            'Whether the model read the message; if so result (ok, error, timeout, invalid), ms, intent',
          ),
      })
      .optional(),
    retrieved: z
      .array(
        z.object({ chunk_id: z.number(), document_id: z.string(), title: z.string(), score: z.number() }),
      )
      .describe('The passages found, with their scores per signal'),
    prompt_version: z.string(),
    relevance: z.object({ coverage: z.number(), threshold: z.number() }),
    usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() }),
    prompt: z
      .object({
        system: z.string(),
        messages: z.array(z.unknown()),
        passages_removed: z
          .array(z.number().int())
          .optional()
          .describe(
            'Chunks whose passage was sent but is no longer stored (document deleted or re-ingested): shown as a marker',
          ),
      })
      .nullable()
      .describe('The assembled prompt as sent (null when no model was asked)'),
    timings_ms: z.record(z.string(), z.number()).describe('Milliseconds per stage'),
    started_at: timestamp,
  })
  .meta({ id: 'TurnTrace' });

export const promptList = z.object({
  prompts: z.array(
    z.object({
      id: z.string().describe('The first 16 hex digits of the SHA-256 of the text'),
      system_prompt: z.string(),
      created_at: timestamp,
    }),
  ),
});

export const conversationRoute = {
  tags,
  summary: "A conversation's messages, oldest first",
  description:
    'A widget visitor (publishable key) may read only the conversations it started (403); an end user (signed in, or named by a key acting for users) only their own (404).',
  params: uuidParams,
  response: { 200: conversationView, ...errorResponses },
};

export const traceRoute = {
  tags,
  summary: "A turn's trace: what was retrieved, the prompt, the model, tokens, cost and timings",
  params: uuidParams,
  response: { 200: traceView, ...errorResponses },
};

export const deleteTraceRoute = {
  tags,
  summary: "Delete a turn's trace",
  params: uuidParams,
  response: { 204: noContent, ...errorResponses },
};

export const promptsRoute = {
  tags,
  summary: "The system prompt versions the tenant's turns may record",
  response: { 200: promptList, ...errorResponses },
};

export const conversationSummary = z
  .object({
    id: z.uuid(),
    bot: z.string(),
    title: z.string().nullable().describe("The first question's start, until renamed"),
    state: z.enum(['active', 'awaiting_clarification', 'handed_off', 'closed']),
    messages: z.number().int(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'ConversationSummary' });

export const conversationListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  q: z.string().trim().max(200).optional().describe('Words the title contains (any case)'),
});

export const conversationList = z.object({
  conversations: z.array(conversationSummary),
  limit: z.number().int(),
  offset: z.number().int(),
});

// No example: the route renames a conversation a turn created, by its generated id.
export const renameBody = z.object({ title: z.string().trim().min(1).max(200) }).strict();

/** A conversation's turn: the conversation's id and the turn's (`turn_id` of `meta`). */
export const turnParams = uuidParams.extend({
  turn_id: z.uuid('turn_id must be a UUID').meta({ examples: ['7d1c0e55-3f55-4a53-9e84-0f1f6f0f5a10'] }),
});

export const exportQuery = z.object({
  format: z.enum(['json', 'markdown']).default('json').describe('markdown: a text/markdown attachment'),
});

export const conversationExport = z.object({
  id: z.uuid(),
  bot: z.string(),
  title: z.string().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  messages: conversationView.shape.messages,
});
