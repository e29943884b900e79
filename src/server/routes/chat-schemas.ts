// The schemas of the two chat routes, POST /v1/chat and POST /v1/chat/completions, for their
// handlers to take on: register through `app.withTypeProvider<ZodTypeProvider>()` with
// `{ schema: chatRouteSchema(limits) }` (or `completionRouteSchema`) and read the typed
// `request.body` instead of parsing it; the checks and messages are those of the handlers' own
// parse today (the completion's last-message checks stay in its handler). Nothing is added to the
// hot path: the body is parsed once either way, and response schemas are documentation only
// (schema-compilers.ts); a streamed answer hijacks the reply, so no serializer ever sees it. Its
// events are described in words and given as schemas below.
import { z } from 'zod';
import { BOT_ID } from '../../orchestrator/index.js';
import { errorResponses, TAGS, timestamp } from './http-schemas.js';

/** The limits a chat request is checked against (from the configuration). */
export interface ChatLimits {
  /** PARLEY_MAX_MESSAGE_CHARS */
  maxMessageChars: number;
}

export function chatRequest({ maxMessageChars }: ChatLimits) {
  return z
    .object({
      message: z
        .string()
        .trim()
        .min(1, 'message must not be empty')
        .max(maxMessageChars, `message is longer than ${maxMessageChars} characters`),
      conversation_id: z
        .uuid('conversation_id must be a UUID')
        .optional()
        .describe('Continue this conversation'),
      bot: z
        .string()
        .regex(BOT_ID, 'bot must be a bot id')
        .optional()
        .describe('The bot to ask (default: parley)'),
      stream: z
        .boolean()
        .optional()
        .describe('Answer as server-sent events (also: Accept: text/event-stream)'),
      schema: z
        .record(z.string(), z.unknown())
        .optional()
        .describe(
          'The answer as JSON matching this JSON Schema (a model must be configured); one that is not gets a 502 `PARLEY_ERR_MODEL_OUTPUT`',
        ),
      max_tokens: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe(
          'Longest answer, in tokens (the bot\'s `max_answer_tokens` caps it); a longer one ends with `finish_reason: "length"`',
        ),
    })
    .meta({
      examples: [
        { message: 'How long do I have to return an item?' },
        { message: 'What causes the tides?', bot: 'parley', stream: false },
      ],
    });
}

export const citation = z
  .object({
    document_id: z.uuid(),
    title: z.string(),
    source: z.string().nullable(),
    snippet: z.string().describe('The passage the answer cites'),
    chunk_id: z.number(),
    score: z.number(),
  })
  .meta({ id: 'Citation' });

/** How the answer was made. New handlers add values; these keep their meaning. */
export const answerMode = z.string().meta({
  description:
    'generated (by a model), extractive (no model configured), degraded (no model answered), ' +
    'not_found (no good passage) or refused (a guard refused); more may be added',
  examples: [
    'generated',
    'extractive',
    'degraded',
    'not_found',
    'refused',
    'cached',
    'small_talk',
    'clarify',
  ],
});

const usage = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  model: z.string(),
  cost_usd: z.number().describe('What the model tokens cost by the price table'),
});

/** An action a turn paused for. */
export const pendingApproval = z
  .object({
    id: z.uuid(),
    tool: z.string(),
    arguments: z.string().describe('As the model wrote them (JSON)'),
    approver: z.enum(['user', 'operator']).describe('Who may decide: the user, or an operator of the bot'),
  })
  .meta({ id: 'PendingApproval' });

export const chatResponse = z
  .object({
    conversation_id: z.uuid(),
    turn_id: z.uuid().describe('Its trace: GET /v1/turns/{id}/trace'),
    answer: z.string(),
    citations: z.array(citation),
    usage,
    mode: answerMode,
    model: z.string().optional().describe('The model that answered, when one did'),
    bot: z.string(),
    finish_reason: z
      .enum(['stop', 'length', 'content_filter', 'tool_calls'])
      .describe(
        "`length`: the answer was cut at its token limit (`max_tokens`, or the bot's `max_answer_tokens`)",
      ),
    approval: pendingApproval
      .optional()
      .describe(
        'The answer is paused: the model asked for a tool that acts on the world. Decide with POST /v1/conversations/{id}/approvals/{approval}',
      ),
  })
  .meta({ id: 'ChatAnswer' });

/** The data of each server-sent event of a streamed answer, by event name, in order. */
export const chatStreamEvents = {
  meta: z.object({ conversation_id: z.uuid(), turn_id: z.uuid(), bot: z.string() }),
  token: z.object({ text: z.string() }),
  /** Before `citations`, when the answer pauses for an action's approval. */
  approval: pendingApproval,
  citations: z.object({ citations: z.array(citation) }),
  done: z.object({
    usage,
    mode: answerMode,
    model: z.string().nullable(),
    bot: z.string(),
    finish_reason: z.enum(['stop', 'length', 'content_filter', 'tool_calls']),
  }),
  error: z.object({ code: z.string(), message: z.string() }),
};

const STREAM_DESCRIPTION = [
  'With `stream: true` (or `Accept: text/event-stream`) the answer comes as server-sent events:',
  '`meta` first (`{conversation_id, turn_id, bot}`), then one `token` per piece of text (`{text}`),',
  'then `approval` (`{id, tool, arguments, approver}`) when the answer pauses for an action, `citations` (`{citations}`)',
  'and `done` (`{usage, mode, model, bot, finish_reason}`). A failure after the',
  'stream began ends it with `error` (`{code, message}`) instead. Comment lines are heartbeats.',
].join(' ');

/** A 200 answered as JSON, or as server-sent events when the request asks to stream. */
const jsonOrStream = (json: z.ZodType, stream: string) => ({
  description: 'The answer as JSON, or as server-sent events when streamed',
  content: {
    'application/json': { schema: json },
    'text/event-stream': { schema: z.string().describe(stream) },
  },
});

/** The whole route schema of POST /v1/chat. */
export function chatRouteSchema(limits: ChatLimits) {
  return {
    tags: [TAGS.chat],
    summary: 'Ask a bot; the answer is grounded in the knowledge base, with citations',
    description: STREAM_DESCRIPTION,
    body: chatRequest(limits),
    response: { 200: jsonOrStream(chatResponse, STREAM_DESCRIPTION), ...errorResponses },
  };
}

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const toolCall = z.looseObject({
  id: z.string().min(1).max(200),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string().min(1).max(64), arguments: z.string() }),
});
const completionMessage = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  /** An assistant message's calls of the client's tools. */
  tool_calls: z.array(toolCall).max(128).optional(),
  /** A tool message: the call it answers. */
  tool_call_id: z.string().min(1).max(200).optional(),
});
const functionTool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a tool name is 1-64 letters, digits, _ or -'),
    description: z.string().max(4_000).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

/**
 * OpenAI's request. The parameters that shape the answer are honoured; one Parley cannot honour
 * (e.g. `n` > 1, `logprobs`) is refused with a 400 (openai-routes.ts), never silently accepted.
 * Fields that describe the request rather than the answer (`metadata`, `store`...) are accepted
 * and ignored; so is `user`, unless the key may act for users (then it names the end user).
 */
export const completionRequest = z
  .looseObject({
    model: z.string().min(1).describe('A bot id (GET /v1/models)'),
    messages: z.array(completionMessage).min(1).max(200),
    user: z
      .string()
      .nullish()
      .describe(
        'The end user the conversation is for, when the key has the act_for_users scope (as the Parley-User header; the header wins); otherwise ignored',
      ),
    stream: z.boolean().optional(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
    max_tokens: z
      .number()
      .int()
      .min(1)
      .nullish()
      .describe(
        'Longest answer, in tokens (the bot\'s `max_answer_tokens` caps it); a longer one ends with `finish_reason: "length"`',
      ),
    max_completion_tokens: z.number().int().min(1).nullish().describe('As `max_tokens` (wins over it)'),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    stop: z
      .union([z.string().min(1), z.array(z.string().min(1)).max(4)])
      .nullish()
      .describe('Up to 4 sequences; the answer ends before the first one the model writes'),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    seed: z.number().int().nullish(),
    n: z.number().int().min(1).nullish().describe('Only 1: Parley gives one answer per turn'),
    // Accepted by the schema so that refusing them can say why (openai-routes.ts).
    logprobs: z.boolean().nullish().describe('Not available (400 when true)'),
    top_logprobs: z.number().int().nullish().describe('Not available (400)'),
    logit_bias: z.record(z.string(), z.number()).nullish().describe('Not available (400 when not empty)'),
    tools: z
      .array(functionTool)
      .max(128)
      .nullish()
      .describe(
        'The client\'s functions: the model may answer with `tool_calls` (`finish_reason: "tool_calls"`); the client runs them and sends `tool` messages back',
      ),
    functions: z.array(z.unknown()).nullish().describe('The deprecated form of `tools`: not available (400)'),
    tool_choice: z
      .union([
        z.enum(['none', 'auto', 'required']),
        z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
      ])
      .optional(),
    response_format: z
      .union([
        z.looseObject({ type: z.literal('text') }),
        z.looseObject({ type: z.literal('json_object') }),
        z.looseObject({
          type: z.literal('json_schema'),
          json_schema: z.looseObject({
            name: z.string().min(1).max(64),
            schema: z.record(z.string(), z.unknown()).optional(),
            strict: z.boolean().nullish(),
          }),
        }),
      ])
      .nullish()
      .describe(
        'The answer as JSON: `json_object` (any object) or `json_schema` (validated against the schema); an answer that is not gets a 502 `PARLEY_ERR_MODEL_OUTPUT`',
      ),
  })
  .meta({
    examples: [
      { model: 'parley', messages: [{ role: 'user', content: 'How long do I have to return an item?' }] },
    ],
  });

const completionUsage = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  cost_usd: z.number(),
});

export const completionResponse = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number(),
      message: z.object({
        role: z.literal('assistant'),
        content: z.string().nullable(),
        tool_calls: z.array(toolCall).optional(),
      }),
      finish_reason: z.enum(['stop', 'length', 'content_filter', 'tool_calls']),
    }),
  ),
  usage: completionUsage,
  // What OpenAI clients ignore and Parley clients read: the citations and the turn's ids.
  citations: z.array(citation),
  parley: z.object({
    conversation_id: z.uuid(),
    turn_id: z.uuid(),
    mode: answerMode,
    model: z.string().optional(),
  }),
});

const COMPLETION_STREAM_DESCRIPTION = [
  'With `stream: true`, data-only server-sent events of `chat.completion.chunk` objects, as OpenAI',
  'sends them: the role, one chunk per piece of text, a last one with `finish_reason: "stop"` and the',
  'Parley extras (`citations`, `parley`), a usage chunk when `stream_options.include_usage`, then',
  '`[DONE]`. A failure after the stream began sends `{"error": {code, message, type}}`.',
].join(' ');

/** The whole route schema of POST /v1/chat/completions. */
export const completionRouteSchema = {
  tags: [TAGS.openai],
  summary: 'Chat completion, as OpenAI answers it (each model is a bot)',
  description:
    'The question is the last user message; earlier user and assistant messages are the history, and ' +
    `system messages are not applied (the bot's own prompt keeps answers grounded). ${COMPLETION_STREAM_DESCRIPTION}`,
  body: completionRequest,
  response: { 200: jsonOrStream(completionResponse, COMPLETION_STREAM_DESCRIPTION), ...errorResponses },
};

export const approvalParams = z.object({
  id: z.uuid('id must be a UUID'),
  approval: z.uuid('approval must be a UUID'),
});

// No example: the route decides an approval a turn created, by its generated id.
export const decisionBody = z
  .object({
    approve: z.boolean().describe('true: run the action; false: decline it'),
    stream: z.boolean().optional().describe('The continued answer as server-sent events'),
  })
  .strict();

/** POST /v1/conversations/{id}/approvals/{approval}: a decision, answered as POST /v1/chat is. */
export function decisionRouteSchema() {
  return {
    tags: [TAGS.chat],
    summary: 'Approve or decline an action a turn paused for, and continue the answer',
    description: `Once: a second decision is a 409. Approved, the action runs (the approval's id is its idempotency key) and the model continues the answer with its result; declined, the model continues knowing it was not run. ${STREAM_DESCRIPTION}`,
    params: approvalParams,
    body: decisionBody,
    response: { 200: jsonOrStream(chatResponse, STREAM_DESCRIPTION), ...errorResponses },
  };
}

export const approvalsQuery = z.object({
  status: z.enum(['pending', 'approved', 'rejected', 'done']).optional(),
  conversation_id: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const approvalList = z.object({
  approvals: z.array(
    z.object({
      id: z.uuid(),
      bot_id: z.string(),
      conversation_id: z.string(),
      turn_id: z.string(),
      tool: z.string(),
      arguments: z.string(),
      approver: z.enum(['user', 'operator']),
      status: z.enum(['pending', 'approved', 'rejected', 'done']),
      created_at: timestamp,
      decided_at: timestamp.nullable(),
    }),
  ),
});
