// A streamed answer from any server speaking OpenAI's Chat Completions (OpenAI, vLLM, Ollama,
// llama.cpp), read with undici's `request` and eventsource-parser rather than through the AI SDK's
// provider. The provider reads the same stream through six chained web streams (the fetch body, a
// text decoder, an SSE parser, JSON parsing with zod validation of every chunk, an early-error
// check, the part mapper): on Parley's HTTP thread that was the largest cost per token after the
// socket writes (measured: docs/architecture.md, "Hand-written where a library exists"). Here one
// Node stream is read, each network chunk is decoded, split into events and JSON-parsed once, and
// the text deltas it carries leave as one piece. Errors are the AI SDK's `APICallError` (status,
// headers, body), so the model chain's retry, Retry-After and fallback decisions are the same for
// both clients.
import { APICallError } from '@ai-sdk/provider';
import { createParser } from 'eventsource-parser';
import { type Dispatcher, request as httpRequest } from 'undici';
import { unifiedFinish } from '../generation/finish-reason.js';
import type {
  ChatModel,
  GenerationRequest,
  TokenUsage,
  ToolCall,
  ToolChoice,
  ToolExchange,
} from '../generation/types.js';
import { isRetryableStatus, providerError } from '../provider-error.js';

export interface OpenAIChatModelOptions {
  /** e.g. https://api.openai.com/v1 */
  baseURL: string;
  apiKey: string;
}

interface ChunkUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

interface ChatChunk {
  choices?: {
    delta?: {
      content?: string | null;
      refusal?: string | null;
      tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[] | null;
    } | null;
    finish_reason?: string | null;
  }[];
  usage?: ChunkUsage | null;
  error?: { message?: string; code?: string | number | null; type?: string } | null;
}

/** Longest error body kept (the rest is dropped, not buffered). */
const MAX_ERROR_BODY = 16_384;

// OpenAI's reasoning models take the system prompt as a developer message and the output limit as
// max_completion_tokens (the AI SDK's provider does the same).
const isReasoningModel = (model: string) => /^(o\d|gpt-5(?!-chat))/.test(model);

/** A tool exchange as Chat Completions messages: the assistant's calls, then one message per result. */
function exchangeMessages(exchange: ToolExchange) {
  return [
    {
      role: 'assistant',
      content: exchange.text || null,
      tool_calls: exchange.calls.map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments },
      })),
    },
    ...exchange.results.map((result) => ({
      role: 'tool',
      tool_call_id: result.toolCallId,
      content: result.content,
    })),
  ];
}

const openAIToolChoice = (choice: ToolChoice) =>
  typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };

export class OpenAIChatModel implements ChatModel {
  readonly provider = 'openai';
  private readonly url: string;

  constructor(
    readonly id: string,
    private readonly model: string,
    private readonly options: OpenAIChatModelOptions,
  ) {
    this.url = `${options.baseURL.replace(/\/+$/, '')}/chat/completions`;
  }

  async *stream(request: GenerationRequest): AsyncGenerator<string, TokenUsage> {
    const reasoning = isReasoningModel(this.model);
    const body = {
      model: this.model,
      messages: [
        { role: reasoning ? 'developer' : 'system', content: request.system },
        ...request.messages.map((message) => ({ role: message.role, content: message.content })),
        ...(request.exchanges ?? []).flatMap(exchangeMessages),
      ],
      ...(request.tools?.length
        ? {
            tools: request.tools.map((tool) => ({
              type: 'function',
              function: {
                name: tool.name,
                ...(tool.description ? { description: tool.description } : {}),
                parameters: tool.parameters,
              },
            })),
            ...(request.toolChoice ? { tool_choice: openAIToolChoice(request.toolChoice) } : {}),
          }
        : {}),
      ...(request.maxOutputTokens !== undefined
        ? { [reasoning ? 'max_completion_tokens' : 'max_tokens']: request.maxOutputTokens }
        : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(request.stop?.length ? { stop: request.stop } : {}),
      ...(request.presencePenalty !== undefined ? { presence_penalty: request.presencePenalty } : {}),
      ...(request.frequencyPenalty !== undefined ? { frequency_penalty: request.frequencyPenalty } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.responseFormat
        ? {
            response_format: {
              type: 'json_schema',
              json_schema: {
                name: request.responseFormat.name,
                schema: request.responseFormat.schema,
                strict: true,
              },
            },
          }
        : {}),
      stream: true,
      stream_options: { include_usage: true },
    };
    let response: Dispatcher.ResponseData | undefined;
    let finished = false;
    try {
      response = await httpRequest(this.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          'content-type': 'application/json',
          accept: 'text/event-stream',
        },
        body: JSON.stringify(body),
        ...(request.signal ? { signal: request.signal } : {}),
      }).catch((error: unknown) => {
        if (request.signal?.aborted) throw error;
        // No answer at all (refused, reset, DNS): worth another try, as the AI SDK judges it.
        throw new APICallError({
          message: `Cannot connect to API: ${(error as Error).message}`,
          url: this.url,
          requestBodyValues: body,
          cause: error,
          isRetryable: true,
        });
      });
      if (response.statusCode !== 200) throw await this.failure(response, body);

      const usage: TokenUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
      const calls: ToolCall[] = [];
      let pieces: string[] = [];
      let failure: Error | undefined;
      let done = false;
      const parser = createParser({
        onEvent: (event) => {
          if (done || failure) return;
          if (event.data === '[DONE]') {
            done = true;
            return;
          }
          let chunk: ChatChunk;
          try {
            chunk = JSON.parse(event.data) as ChatChunk;
          } catch (error) {
            failure = new Error(`invalid JSON in the stream: ${event.data.slice(0, 200)}`, { cause: error });
            return;
          }
          if (chunk.error) {
            failure = new APICallError({
              message: chunk.error.message ?? 'error in the stream',
              url: this.url,
              requestBodyValues: body,
              responseBody: event.data,
              isRetryable: false,
            });
            return;
          }
          const choice = chunk.choices?.[0];
          const delta = choice?.delta;
          const finishReason = unifiedFinish(choice?.finish_reason);
          if (finishReason) usage.finishReason = finishReason;
          if (delta?.content) pieces.push(delta.content);
          // A tool call streams as pieces by index: its id and name first, then its arguments.
          for (const piece of delta?.tool_calls ?? []) {
            const call = calls[piece.index] ?? { id: '', name: '', arguments: '' };
            calls[piece.index] = call;
            if (piece.id) call.id = piece.id;
            if (piece.function?.name) call.name += piece.function.name;
            if (piece.function?.arguments) call.arguments += piece.function.arguments;
          }
          if (delta?.refusal) pieces.push(delta.refusal);
          if (chunk.usage) {
            usage.inputTokens = chunk.usage.prompt_tokens ?? 0;
            usage.outputTokens = chunk.usage.completion_tokens ?? 0;
            usage.cachedInputTokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
          }
        },
      });
      const decoder = new TextDecoder();
      for await (const bytes of response.body) {
        parser.feed(decoder.decode(bytes as Buffer, { stream: true }));
        if (pieces.length > 0) {
          const text = pieces.length === 1 ? pieces[0]! : pieces.join('');
          pieces = [];
          yield text;
        }
        if (failure) throw failure;
        // After [DONE] the loop reads on to the end of the response (the server ends it there),
        // so that the connection goes back to the pool instead of being closed.
      }
      if (!done) throw new Error('the stream ended without [DONE]');
      finished = true;
      if (request.signal?.aborted) throw request.signal.reason ?? new Error('generation aborted');
      const toolCalls = calls.filter(Boolean);
      return toolCalls.length > 0 ? { ...usage, toolCalls } : usage;
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason ?? error;
      throw providerError(`model ${this.id}`, error);
    } finally {
      // Stopped early (the consumer returned, or an error): close the provider's response.
      if (!finished) response?.body.destroy();
    }
  }

  /** The APICallError for a response other than 200, from OpenAI's error body when there is one. */
  private async failure(response: Dispatcher.ResponseData, requestBody: unknown): Promise<APICallError> {
    let text = '';
    for await (const bytes of response.body) {
      if (text.length < MAX_ERROR_BODY) text += (bytes as Buffer).toString('utf8');
    }
    text = text.slice(0, MAX_ERROR_BODY);
    let message: string | undefined;
    try {
      message = (JSON.parse(text) as ChatChunk).error?.message;
    } catch {
      // not JSON: the status says it
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return new APICallError({
      message: message ?? (text.trim().slice(0, 200) || `HTTP ${response.statusCode}`),
      url: this.url,
      requestBodyValues: requestBody,
      statusCode: response.statusCode,
      responseHeaders: headers,
      responseBody: text,
      isRetryable: isRetryableStatus(response.statusCode),
    });
  }
}
