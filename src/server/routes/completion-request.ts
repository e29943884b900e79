// Reads an OpenAI Chat Completions request as a Parley turn: the question (the last user message),
// the history before it, the client's tool calls and results after it, and the parameters that
// shape the answer. What Parley cannot honour is refused with a reason (a 400), never ignored.
import type { z } from 'zod';
import { ParleyError } from '../../errors/index.js';
import type {
  ChatMessage,
  GenerationOptions,
  ResponseFormat,
  ToolChoice,
  ToolExchange,
} from '../../models/index.js';
import { schemaValidator } from '../../orchestrator/index.js';
import type { completionRequest } from './chat-schemas.js';

type CompletionRequest = z.infer<typeof completionRequest>;

/** Why Parley cannot honour the request's parameters, if it cannot (a 400 says so). */
export function unsupportedParameter(input: CompletionRequest): string | undefined {
  if ((input.n ?? 1) > 1) return 'n must be 1: Parley gives one answer per turn';
  if (input.logprobs || input.top_logprobs != null) {
    return 'logprobs and top_logprobs are not available: Parley does not return token probabilities';
  }
  if (input.logit_bias && Object.keys(input.logit_bias).length > 0) return 'logit_bias is not available';
  if (input.functions?.length) return 'functions (deprecated) are not available: send them as tools';
  const names = new Set((input.tools ?? []).map((tool) => tool.function.name));
  if (names.size < (input.tools?.length ?? 0)) return 'tools must have distinct names';
  const choice = input.tool_choice;
  if (choice === 'required' && names.size === 0) return 'tool_choice "required" needs tools';
  if (typeof choice === 'object' && !names.has(choice.function.name)) {
    return `tool_choice names ${choice.function.name}, which is not among the tools`;
  }
  return undefined;
}

/** How the request shapes the answer, in the model layer's terms. */
export function generationOf(input: CompletionRequest): GenerationOptions | undefined {
  const maxOutputTokens = input.max_completion_tokens ?? input.max_tokens;
  const stop = typeof input.stop === 'string' ? [input.stop] : input.stop;
  const options: GenerationOptions = {
    ...(maxOutputTokens != null ? { maxOutputTokens } : {}),
    ...(input.temperature != null ? { temperature: input.temperature } : {}),
    ...(input.top_p != null ? { topP: input.top_p } : {}),
    ...(stop?.length ? { stop } : {}),
    ...(input.presence_penalty != null ? { presencePenalty: input.presence_penalty } : {}),
    ...(input.frequency_penalty != null ? { frequencyPenalty: input.frequency_penalty } : {}),
    ...(input.seed != null ? { seed: input.seed } : {}),
    ...(input.response_format && input.response_format.type !== 'text'
      ? { responseFormat: responseFormatOf(input.response_format) }
      : {}),
    ...(input.tools?.length
      ? {
          tools: input.tools.map(({ function: tool }) => ({
            name: tool.name,
            ...(tool.description ? { description: tool.description } : {}),
            parameters: tool.parameters ?? { type: 'object', properties: {} },
          })),
          ...(input.tool_choice ? { toolChoice: toolChoiceOf(input.tool_choice) } : {}),
        }
      : {}),
  };
  return Object.keys(options).length > 0 ? options : undefined;
}

/** The answer's JSON form; a schema that does not compile is a 400. */
function responseFormatOf(format: NonNullable<CompletionRequest['response_format']>): ResponseFormat {
  if (format.type !== 'json_schema') return { type: 'json' };
  const { name, schema, strict } = format.json_schema;
  if (schema) schemaValidator(schema);
  return { type: 'json', name, ...(schema ? { schema } : {}), ...(strict != null ? { strict } : {}) };
}

const toolChoiceOf = (choice: NonNullable<CompletionRequest['tool_choice']>): ToolChoice =>
  typeof choice === 'string' ? choice : { name: choice.function.name };

type Message = CompletionRequest['messages'][number];

/** The conversation a completion request carries, as a turn reads it. */
export interface CompletionConversation {
  /** The last user message. */
  question: string;
  /** User and assistant messages before it (the tool traffic of earlier turns left out). */
  history: ChatMessage[];
  /** After it: the tool calls the model asked for and the results the client sends back. */
  exchanges: ToolExchange[];
}

const invalid = (message: string) => new ParleyError('PARLEY_ERR_VALIDATION', message);

/**
 * The question, its history and the tool exchanges after it. Throws a 400 for a conversation
 * a model could not continue: no user message, or after it anything but an assistant's tool calls
 * each answered by a `tool` message.
 */
export function readConversation(messages: Message[]): CompletionConversation {
  const spoken = messages.filter((item) => item.role !== 'system' && item.role !== 'developer');
  const at = spoken.findLastIndex((item) => item.role === 'user');
  const question = at >= 0 ? textOf(spoken[at]!.content).trim() : '';
  if (!question) throw invalid('messages must have a non-empty user message');
  const history = spoken
    .slice(0, at)
    .filter((item) => item.role === 'user' || item.role === 'assistant')
    .map((item) => ({ role: item.role as 'user' | 'assistant', content: textOf(item.content) }))
    .filter((item) => item.content.trim() !== '');
  return { question, history, exchanges: toolExchanges(spoken.slice(at + 1)) };
}

function toolExchanges(after: Message[]): ToolExchange[] {
  const exchanges: ToolExchange[] = [];
  for (const item of after) {
    if (item.role === 'assistant') {
      if (!item.tool_calls?.length) {
        throw invalid('after the last user message, only tool calls and their results may follow');
      }
      exchanges.push({
        text: textOf(item.content),
        calls: item.tool_calls.map((call) => ({
          id: call.id,
          name: call.function.name,
          arguments: call.function.arguments,
        })),
        results: [],
      });
    } else {
      const exchange = exchanges.at(-1);
      const call = exchange?.calls.find((asked) => asked.id === item.tool_call_id);
      if (item.role !== 'tool' || !exchange || !call) {
        throw invalid(
          'a tool message must answer a tool call (tool_call_id) of the assistant message before it',
        );
      }
      exchange.results.push({ toolCallId: call.id, content: textOf(item.content) });
    }
  }
  const unanswered = exchanges.flatMap((exchange) =>
    exchange.calls.filter((call) => !exchange.results.some((result) => result.toolCallId === call.id)),
  );
  if (unanswered.length > 0)
    throw invalid(`tool call ${unanswered[0]!.id} has no tool message with its result`);
  return exchanges;
}

const textOf = (content: CompletionRequest['messages'][number]['content']): string =>
  typeof content === 'string'
    ? content
    : (content ?? [])
        .map((part) => part.text ?? '')
        .filter(Boolean)
        .join('\n');
