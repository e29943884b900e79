// A chat model through the AI SDK's streamText. Retries are left to the model chain (which moves
// to the next model rather than making the user wait), so the SDK makes one attempt.
import { type LanguageModel, streamText } from 'ai';
import { providerError } from '../provider-error.js';
import type { ChatModel, GenerationRequest, TokenUsage } from './types.js';

export class SdkChatModel implements ChatModel {
  readonly provider: string;

  constructor(
    readonly id: string,
    private readonly model: LanguageModel,
  ) {
    this.provider = id.slice(0, id.indexOf(':'));
  }

  async *stream(request: GenerationRequest): AsyncGenerator<string, TokenUsage> {
    const result = streamText({
      model: this.model,
      system: request.system,
      messages: request.messages,
      maxOutputTokens: request.maxOutputTokens,
      abortSignal: request.signal,
      maxRetries: 0,
      // Errors arrive as stream parts and are handled below; the SDK would also print them.
      onError: () => {},
    });
    try {
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') {
          if (part.text) yield part.text;
        } else if (part.type === 'error') {
          throw part.error;
        } else if (part.type === 'abort') {
          throw request.signal?.reason ?? new Error('generation aborted');
        }
      }
      const usage = await result.usage;
      return {
        inputTokens: usage.inputTokens ?? 0,
        outputTokens: usage.outputTokens ?? 0,
        cachedInputTokens: usage.inputTokenDetails?.cacheReadTokens ?? 0,
      };
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason ?? error;
      throw providerError(`model ${this.id}`, error);
    }
  }
}
