import { describe, expect, it } from 'vitest';
import { ModelChain, modelSlot, slotState } from './model-chain.js';
import type { ChatModel, GenerationRequest, TokenUsage } from './types.js';

/** A model that answers `hello` once asked, unless the caller cancels first (it waits for that when `hang`). */
function model(): ChatModel & { hang: boolean } {
  return {
    id: 'stub:model',
    provider: 'stub',
    hang: true,
    async *stream(request: GenerationRequest): AsyncGenerator<string, TokenUsage> {
      if (this.hang) {
        await new Promise<never>((_, reject) => {
          if (request.signal?.aborted) reject(request.signal.reason);
          request.signal?.addEventListener('abort', () => reject(request.signal?.reason), { once: true });
        });
      }
      yield 'hello';
      return { inputTokens: 1, outputTokens: 1 };
    },
  };
}

const ASKED: GenerationRequest = { system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] };

describe('ModelChain', () => {
  it('does not count calls its caller cancelled before the first token as the model failing', async () => {
    const stub = model();
    const slot = modelSlot(stub, { breakerThreshold: 2 });
    const chain = new ModelChain([slot]);
    for (let i = 0; i < 4; i++) {
      const controller = new AbortController();
      const reading = chain.stream({ ...ASKED, signal: controller.signal }).next();
      controller.abort(new Error('refused meanwhile'));
      await expect(reading).rejects.toThrow('refused meanwhile');
    }
    expect(slotState(slot).state).toBe('closed');
    stub.hang = false;
    const events = [];
    for await (const event of chain.stream(ASKED)) events.push(event.type);
    expect(events).toEqual(['model', 'text', 'done']);
  });
});
