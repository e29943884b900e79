// `POST /v1/chat/completions` as OpenAI answers it: a `chat.completion` object, or `chat.completion.chunk`
// events ending in `data: [DONE]`. Used by `openai.chat(model)` and OpenAI-compatible clients.
import { z } from 'zod';
import {
  type ChatApi,
  type ChatTurn,
  contentText,
  describeIssue,
  messageContent,
  toPrompt,
} from './chat-turn.js';
import type { SseEvent } from './exchange.js';
import { sendOpenAIError } from './openai-wire.js';

const chatRequest = z.object({
  model: z.string().min(1),
  messages: z.array(z.object({ role: z.string(), content: messageContent.optional() }).loose()).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).loose().nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  tools: z
    .array(
      z.object({ type: z.literal('function'), function: z.object({ name: z.string() }).loose() }).loose(),
    )
    .nullish(),
  response_format: z
    .object({
      type: z.enum(['text', 'json_object', 'json_schema']),
      json_schema: z
        .object({ name: z.string().min(1), schema: z.unknown().optional() })
        .loose()
        .optional(),
    })
    .nullish(),
});

function usage(turn: ChatTurn) {
  return {
    prompt_tokens: turn.inputTokens,
    completion_tokens: turn.tokens.length,
    total_tokens: turn.inputTokens + turn.tokens.length,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

const finishReason = (turn: ChatTurn) =>
  turn.toolCalls.length > 0 ? 'tool_calls' : turn.finishedByLength ? 'length' : 'stop';

const toolCallsOf = (turn: ChatTurn) =>
  turn.toolCalls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));

export const openAIChat: ChatApi = {
  parse(body) {
    const parsed = chatRequest.safeParse(body);
    if (!parsed.success) return { error: describeIssue(parsed.error) };
    const {
      model,
      messages,
      stream,
      stream_options,
      max_tokens,
      max_completion_tokens,
      stop,
      tools,
      response_format,
    } = parsed.data;
    const texts = messages.map((m) => ({ role: m.role, text: contentText(m.content) }));
    const json =
      response_format?.type === 'json_schema'
        ? { name: response_format.json_schema?.name, schema: response_format.json_schema?.schema }
        : response_format?.type === 'json_object'
          ? {}
          : undefined;
    return {
      prompt: toPrompt(
        'openai-chat',
        model,
        texts,
        [],
        (tools ?? []).map((tool) => tool.function.name),
        json,
      ),
      stream: stream === true,
      maxTokens: max_completion_tokens ?? max_tokens ?? undefined,
      includeUsage: stream_options?.include_usage === true,
      ...(stop != null ? { stop: typeof stop === 'string' ? [stop] : stop } : {}),
    };
  },

  completion: (turn) => ({
    id: `chatcmpl-stub-${turn.serial}`,
    object: 'chat.completion',
    created: turn.created,
    model: turn.request.prompt.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: turn.text === '' && turn.toolCalls.length > 0 ? null : turn.text,
          refusal: null,
          annotations: [],
          ...(turn.toolCalls.length > 0 ? { tool_calls: toolCallsOf(turn) } : {}),
        },
        logprobs: null,
        finish_reason: finishReason(turn),
      },
    ],
    usage: usage(turn),
    service_tier: 'default',
    system_fingerprint: null,
  }),

  stream(turn) {
    const { includeUsage } = turn.request;
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): SseEvent => ({
      data: {
        id: `chatcmpl-stub-${turn.serial}`,
        object: 'chat.completion.chunk',
        created: turn.created,
        model: turn.request.prompt.model,
        service_tier: 'default',
        system_fingerprint: null,
        choices,
        // With include_usage every chunk carries `usage: null` until the last one.
        ...(includeUsage ? { usage: null } : {}),
        ...extra,
      },
    });
    const choice = (delta: unknown, finish: string | null = null) => ({
      index: 0,
      delta,
      logprobs: null,
      finish_reason: finish,
    });
    return {
      opening: [chunk([choice({ role: 'assistant', content: '', refusal: null })])],
      token: (text) => [chunk([choice({ content: text })])],
      closing: [
        // Each tool call as OpenAI streams it: its id and name first, then its arguments in two pieces.
        ...turn.toolCalls.flatMap((call, index) => {
          const half = Math.ceil(call.arguments.length / 2);
          return [
            chunk([
              choice({
                tool_calls: [
                  { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
                ],
              }),
            ]),
            chunk([
              choice({ tool_calls: [{ index, function: { arguments: call.arguments.slice(0, half) } }] }),
            ]),
            chunk([choice({ tool_calls: [{ index, function: { arguments: call.arguments.slice(half) } }] })]),
          ];
        }),
        chunk([choice({}, finishReason(turn))]),
        ...(includeUsage ? [chunk([], { usage: usage(turn) })] : []),
        { data: '[DONE]' },
      ],
    };
  },

  headers: (turn) => ({ 'x-request-id': `req_stub_${turn.serial}`, 'openai-processing-ms': '1' }),
  sendError: sendOpenAIError,
};
