// A chat model through an AI SDK provider, called at the provider level (`doStream`): the
// provider's own client, wire format and error types, without `streamText`'s orchestration
// (steps, tools, retries, telemetry, output transforms), which a plain streamed answer does not
// use and which costs a chain of web streams per token (measured: bench/results/load.md). Retries
// are left to the model chain (which moves to the next model rather than making the user wait).
import type {
  JSONSchema7,
  LanguageModelV3,
  LanguageModelV3Message,
  LanguageModelV3Prompt,
  LanguageModelV3ToolChoice,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { providerError } from '../provider-error.js';
import { unifiedFinish } from './finish-reason.js';
import type {
  ChatModel,
  FinishReason,
  GenerationRequest,
  TokenUsage,
  ToolCall,
  ToolChoice,
  ToolExchange,
} from './types.js';

/** A tool exchange in the AI SDK's prompt: the assistant's calls, then the results as a tool message. */
function exchangeMessages(exchange: ToolExchange): LanguageModelV3Message[] {
  const names = new Map(exchange.calls.map((call) => [call.id, call.name]));
  return [
    {
      role: 'assistant',
      content: [
        ...(exchange.text ? [{ type: 'text' as const, text: exchange.text }] : []),
        ...exchange.calls.map((call) => ({
          type: 'tool-call' as const,
          toolCallId: call.id,
          toolName: call.name,
          input: parseArguments(call.arguments),
        })),
      ],
    },
    {
      role: 'tool',
      content: exchange.results.map((result) => ({
        type: 'tool-result' as const,
        toolCallId: result.toolCallId,
        toolName: names.get(result.toolCallId) ?? '',
        output: { type: 'text' as const, value: result.content },
      })),
    },
  ];
}

/** The arguments the model wrote, as the object providers send back (text that is not JSON as it is). */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const sdkToolChoice = (choice: ToolChoice): LanguageModelV3ToolChoice =>
  typeof choice === 'string' ? { type: choice } : { type: 'tool', toolName: choice.name };

export class SdkChatModel implements ChatModel {
  readonly provider: string;

  constructor(
    readonly id: string,
    private readonly model: LanguageModelV3,
  ) {
    this.provider = id.slice(0, id.indexOf(':'));
  }

  async *stream(request: GenerationRequest): AsyncGenerator<string, TokenUsage> {
    const prompt: LanguageModelV3Prompt = [
      { role: 'system', content: request.system },
      ...request.messages.map((message) => ({
        role: message.role,
        content: [{ type: 'text' as const, text: message.content }],
      })),
      ...(request.exchanges ?? []).flatMap(exchangeMessages),
    ];
    let reader: ReadableStreamDefaultReader<unknown> | undefined;
    let finished = false;
    try {
      const { stream } = await this.model.doStream({
        prompt,
        ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.topP !== undefined ? { topP: request.topP } : {}),
        ...(request.stop?.length ? { stopSequences: request.stop } : {}),
        ...(request.presencePenalty !== undefined ? { presencePenalty: request.presencePenalty } : {}),
        ...(request.frequencyPenalty !== undefined ? { frequencyPenalty: request.frequencyPenalty } : {}),
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.tools?.length
          ? {
              tools: request.tools.map((tool) => ({
                type: 'function' as const,
                name: tool.name,
                ...(tool.description ? { description: tool.description } : {}),
                inputSchema: tool.parameters as JSONSchema7,
              })),
              ...(request.toolChoice ? { toolChoice: sdkToolChoice(request.toolChoice) } : {}),
            }
          : {}),
        ...(request.responseFormat
          ? {
              responseFormat: {
                type: 'json' as const,
                name: request.responseFormat.name,
                schema: request.responseFormat.schema as JSONSchema7,
              },
            }
          : {}),
        ...(request.signal ? { abortSignal: request.signal } : {}),
      });
      const parts = stream.getReader();
      reader = parts;
      let usage: LanguageModelV3Usage | undefined;
      let finishReason: FinishReason | undefined;
      const toolCalls: ToolCall[] = [];
      for (;;) {
        const { value: part, done } = await parts.read();
        if (done) break;
        if (part.type === 'text-delta') {
          if (part.delta) yield part.delta;
        } else if (part.type === 'tool-call') {
          toolCalls.push({ id: part.toolCallId, name: part.toolName, arguments: part.input });
        } else if (part.type === 'error') {
          throw part.error;
        } else if (part.type === 'finish') {
          usage = part.usage;
          finishReason = unifiedFinish(part.finishReason.unified);
        }
      }
      finished = true;
      if (request.signal?.aborted) throw request.signal.reason ?? new Error('generation aborted');
      return {
        inputTokens: usage?.inputTokens.total ?? 0,
        outputTokens: usage?.outputTokens.total ?? 0,
        cachedInputTokens: usage?.inputTokens.cacheRead ?? 0,
        ...(finishReason ? { finishReason } : {}),
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
      };
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason ?? error;
      throw providerError(`model ${this.id}`, error);
    } finally {
      // Stopped early (the consumer returned, or an error): cancel the provider's response.
      if (!finished) await reader?.cancel().catch(() => {});
    }
  }
}
