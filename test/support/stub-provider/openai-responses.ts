// `POST /v1/responses` as OpenAI answers it: a `response` object, or the `response.*` event stream
// (created, output item and content part added, text deltas, done events, completed). The default
// `openai(model)` of @ai-sdk/openai 3 uses this API.
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

const inputItem = z
  .object({ type: z.string().optional(), role: z.string().optional(), content: messageContent.optional() })
  .loose();

const responsesRequest = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItem)]),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
});

const ids = (turn: ChatTurn) => ({
  response: `resp_stub_${turn.serial}`,
  message: `msg_stub_${turn.serial}`,
});

const outputText = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });

function message(turn: ChatTurn, done: boolean) {
  return {
    type: 'message',
    id: ids(turn).message,
    status: done ? 'completed' : 'in_progress',
    role: 'assistant',
    content: done ? [outputText(turn.text)] : [],
  };
}

/** The `response` object; `final` is the finished one, otherwise the in-progress one the stream opens with. */
function response(turn: ChatTurn, final: boolean) {
  const incomplete = final && turn.finishedByLength;
  return {
    id: ids(turn).response,
    object: 'response',
    created_at: turn.created,
    status: final ? (incomplete ? 'incomplete' : 'completed') : 'in_progress',
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: null,
    max_output_tokens: turn.request.maxTokens ?? null,
    model: turn.request.prompt.model,
    output: final ? [message(turn, true)] : [],
    parallel_tool_calls: true,
    service_tier: 'default',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: final
      ? {
          input_tokens: turn.inputTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: turn.tokens.length,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: turn.inputTokens + turn.tokens.length,
        }
      : null,
  };
}

export const openAIResponses: ChatApi = {
  parse(body) {
    const parsed = responsesRequest.safeParse(body);
    if (!parsed.success) return { error: describeIssue(parsed.error) };
    const { model, input, instructions, stream, max_output_tokens } = parsed.data;
    const messages =
      typeof input === 'string'
        ? [{ role: 'user', text: input }]
        : input.flatMap((item) =>
            item.role === undefined ? [] : [{ role: item.role, text: contentText(item.content) }],
          );
    return {
      prompt: toPrompt('openai-responses', model, messages, instructions ? [instructions] : []),
      stream: stream === true,
      maxTokens: max_output_tokens ?? undefined,
      includeUsage: true,
    };
  },

  completion: (turn) => response(turn, true),

  stream(turn) {
    let sequence = 0;
    const event = (type: string, fields: Record<string, unknown>): SseEvent => ({
      event: type,
      data: { type, sequence_number: sequence++, ...fields },
    });
    const { message: itemId } = ids(turn);
    const at = { item_id: itemId, output_index: 0, content_index: 0 };
    return {
      opening: [
        event('response.created', { response: response(turn, false) }),
        event('response.in_progress', { response: response(turn, false) }),
        event('response.output_item.added', { output_index: 0, item: message(turn, false) }),
        event('response.content_part.added', { ...at, part: outputText('') }),
      ],
      token: (delta) => [event('response.output_text.delta', { ...at, delta, logprobs: [] })],
      get closing() {
        // A getter: the closing events are numbered after the token events.
        return [
          event('response.output_text.done', { ...at, text: turn.text, logprobs: [] }),
          event('response.content_part.done', { ...at, part: outputText(turn.text) }),
          event('response.output_item.done', { output_index: 0, item: message(turn, true) }),
          event(turn.finishedByLength ? 'response.incomplete' : 'response.completed', {
            response: response(turn, true),
          }),
        ];
      },
    };
  },

  headers: (turn) => ({ 'x-request-id': `req_stub_${turn.serial}`, 'openai-processing-ms': '1' }),
  sendError: sendOpenAIError,
};
