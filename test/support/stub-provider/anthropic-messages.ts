// `POST /v1/messages` as Anthropic answers it: a `message` object, or the event stream message_start,
// content_block_start, ping, content_block_delta (text_delta)..., content_block_stop, message_delta
// (stop_reason, usage), message_stop. Like the real API it requires the `anthropic-version` header.
import { z } from 'zod';
import { sendAnthropicError } from './anthropic-wire.js';
import {
  type ChatApi,
  type ChatTurn,
  contentText,
  describeIssue,
  messageContent,
  toPrompt,
} from './chat-turn.js';
import type { SseEvent } from './exchange.js';

const messagesRequest = z.object({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z
    .array(z.object({ role: z.enum(['user', 'assistant']), content: messageContent }).loose())
    .min(1),
  system: messageContent.optional(),
  stream: z.boolean().optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z.array(z.object({ name: z.string() }).loose()).optional(),
  output_config: z
    .object({ format: z.object({ type: z.literal('json_schema'), schema: z.unknown() }).optional() })
    .loose()
    .optional(),
});

const stopReason = (turn: ChatTurn) =>
  turn.toolCalls.length > 0 ? 'tool_use' : turn.finishedByLength ? 'max_tokens' : 'end_turn';

/** The answer's tool calls as Anthropic's `tool_use` content blocks. */
const toolUses = (turn: ChatTurn) =>
  turn.toolCalls.map((call) => ({
    type: 'tool_use',
    id: call.id,
    name: call.name,
    input: JSON.parse(call.arguments) as unknown,
  }));

const usage = (turn: ChatTurn, outputTokens: number) => ({
  input_tokens: turn.inputTokens,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  output_tokens: outputTokens,
  service_tier: 'standard',
});

function message(turn: ChatTurn, final: boolean) {
  return {
    id: `msg_stub_${turn.serial}`,
    type: 'message',
    role: 'assistant',
    model: turn.request.prompt.model,
    content: final
      ? [
          ...(turn.text === '' && turn.toolCalls.length > 0 ? [] : [{ type: 'text', text: turn.text }]),
          ...toolUses(turn),
        ]
      : [],
    stop_reason: final ? stopReason(turn) : null,
    stop_sequence: null,
    // message_start reports one output token so far, as the real API does.
    usage: usage(turn, final ? turn.tokens.length : 1),
  };
}

export const anthropicMessages: ChatApi = {
  parse(body) {
    const parsed = messagesRequest.safeParse(body);
    if (!parsed.success) return { error: describeIssue(parsed.error) };
    const { model, max_tokens, messages, system, stream, stop_sequences, tools, output_config } = parsed.data;
    const texts = messages.map((m) => ({ role: m.role, text: contentText(m.content) }));
    const format = output_config?.format;
    return {
      prompt: toPrompt(
        'anthropic-messages',
        model,
        texts,
        system ? [contentText(system)] : [],
        (tools ?? []).map((tool) => tool.name),
        format ? { schema: format.schema } : undefined,
      ),
      stream: stream === true,
      maxTokens: max_tokens,
      ...(stop_sequences ? { stop: stop_sequences } : {}),
      includeUsage: true,
    };
  },

  checkHeaders: (headers) =>
    headers['anthropic-version'] === undefined ? 'anthropic-version: header is required' : undefined,

  completion: (turn) => message(turn, true),

  stream(turn) {
    const event = (type: string, fields: Record<string, unknown> = {}): SseEvent => ({
      event: type,
      data: { type, ...fields },
    });
    return {
      opening: [
        event('message_start', { message: message(turn, false) }),
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        event('ping'),
      ],
      token: (text) => [event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })],
      closing: [
        event('content_block_stop', { index: 0 }),
        // Each tool call as its own content block, its input streamed as JSON in two pieces.
        ...toolUses(turn).flatMap((use, at) => {
          const index = at + 1;
          const json = JSON.stringify(use.input);
          const half = Math.ceil(json.length / 2);
          return [
            event('content_block_start', { index, content_block: { ...use, input: {} } }),
            event('content_block_delta', {
              index,
              delta: { type: 'input_json_delta', partial_json: json.slice(0, half) },
            }),
            event('content_block_delta', {
              index,
              delta: { type: 'input_json_delta', partial_json: json.slice(half) },
            }),
            event('content_block_stop', { index }),
          ];
        }),
        event('message_delta', {
          delta: { stop_reason: stopReason(turn), stop_sequence: null },
          usage: usage(turn, turn.tokens.length),
        }),
        event('message_stop'),
      ],
    };
  },

  headers: (turn) => ({ 'request-id': `req_stub_${turn.serial}` }),
  sendError: sendAnthropicError,
};
