// Schemas of the agent API: conversations handed to a person, their replies, the hand back.
import { z } from 'zod';
import { errorResponses, TAGS, timestamp, uuidParams } from './http-schemas.js';

const tags = [TAGS.handoff];

export const handoffList = z
  .object({
    conversations: z.array(
      z.object({
        id: z.string(),
        bot: z.string(),
        title: z.string().nullable().describe("The conversation's first message, cut to 200 characters"),
        updated_at: timestamp,
      }),
    ),
  })
  .meta({ id: 'HandoffList' });

export const agentReplyBody = z
  .object({
    content: z
      .string()
      .trim()
      .min(1, 'content must not be empty')
      .max(20_000)
      .meta({ examples: ['Hi, I am Sam from support: your refund went out this morning.'] }),
  })
  .strict()
  .meta({ id: 'AgentReply' });

export const handoffsRoute = {
  tags,
  summary: 'The conversations a person answers now, the longest waiting first',
  querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
  response: { 200: handoffList, ...errorResponses },
};

export const agentReplyRoute = {
  tags,
  summary: "A person's reply in a conversation handed to them",
  description:
    'Stored as an assistant message written by an agent (`author: "agent"`); the conversation must be handed off (409 otherwise).',
  params: uuidParams,
  body: agentReplyBody,
  response: {
    201: z.object({ id: z.string(), created_at: timestamp }).meta({ id: 'AgentReplyCreated' }),
    ...errorResponses,
  },
};

export const handBackRoute = {
  tags,
  summary: 'Hand a conversation back to the bot',
  params: uuidParams,
  body: z.object({}).strict().nullish().describe('No body (or an empty object)'),
  response: {
    200: z.object({ id: z.string(), state: z.literal('active') }).meta({ id: 'HandedBack' }),
    ...errorResponses,
  },
};

/** The data of each server-sent event of a conversation's event stream, by event name. */
export const conversationStreamEvents = {
  state: z.object({ state: z.enum(['active', 'awaiting_clarification', 'handed_off', 'closed']) }),
  agent_reply: z.object({
    id: z.string(),
    text: z.string(),
    author: z.literal('agent'),
    created_at: timestamp,
  }),
};

const EVENTS_DESCRIPTION = [
  "A conversation's events as server-sent events, for a chat page or widget to show a person's",
  'replies as they come: `state` first (`{state}`, where the conversation stands now), then',
  '`agent_reply` (`{id, text, author, created_at}`) for each reply a person posts and `state` when the',
  'conversation changes hands (`{"state": "active"}` once handed back). Comment lines are heartbeats.',
  'A widget key may watch the conversations its visitor started. 503 when the server holds its most',
  'streams (`PARLEY_MAX_EVENT_STREAMS`).',
].join(' ');

export const conversationEventsRoute = {
  tags: [TAGS.chat, TAGS.handoff],
  summary: "A conversation's events as they happen (a person's replies, hand backs)",
  description: EVENTS_DESCRIPTION,
  params: uuidParams,
  response: {
    200: {
      description: 'Server-sent events until the client leaves or the server shuts down',
      content: { 'text/event-stream': { schema: z.string().describe(EVENTS_DESCRIPTION) } },
    },
    ...errorResponses,
  },
};
