// A chat model through an AI SDK provider, called at the provider level (`doStream`): the
// provider's own client, wire format and error types, without `streamText`'s orchestration
// (steps, tools, retries, telemetry, output transforms), which a plain streamed answer does not
// use and which costs a chain of web streams per token (measured: bench/results/load.md). Retries
// are left to the model chain (which moves to the next model rather than making the user wait).
import type { LanguageModelV3, LanguageModelV3Prompt, LanguageModelV3Usage } from '@ai-sdk/provider';
import { providerError } from '../provider-error.js';
import { unifiedFinish } from './finish-reason.js';
import type { ChatModel, FinishReason, GenerationRequest, TokenUsage } from './types.js';

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
        ...(request.signal ? { abortSignal: request.signal } : {}),
      });
      const parts = stream.getReader();
      reader = parts;
      let usage: LanguageModelV3Usage | undefined;
      let finishReason: FinishReason | undefined;
      for (;;) {
        const { value: part, done } = await parts.read();
        if (done) break;
        if (part.type === 'text-delta') {
          if (part.delta) yield part.delta;
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
