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

/** A model whose answer the test releases piece by piece: each `release()` lets the next piece out. */
function scripted(pieces: (string | Error)[]): ChatModel & { release(): void } {
  const gates: (() => void)[] = [];
  const waiting: Promise<void>[] = pieces.map(() => new Promise<void>((resolve) => gates.push(resolve)));
  let released = 0;
  return {
    id: 'stub:scripted',
    provider: 'stub',
    release() {
      gates[released++]?.();
    },
    async *stream(request: GenerationRequest): AsyncGenerator<string, TokenUsage> {
      for (const [index, piece] of pieces.entries()) {
        await new Promise<void>((resolve, reject) => {
          void waiting[index]!.then(resolve);
          request.signal?.addEventListener('abort', () => reject(request.signal?.reason), { once: true });
        });
        if (piece instanceof Error) throw piece;
        yield piece;
      }
      return { inputTokens: 3, outputTokens: pieces.length };
    },
  };
}

const texts = (events: { type: string; text?: string }[]) =>
  events.filter((event) => event.type === 'text').map((event) => event.text);

describe('ModelChain pacing', () => {
  it('hands on the first piece at once and the pieces within the interval together, with the usage', async () => {
    const stub = scripted(['A', ' b', ' c', ' d']);
    const chain = new ModelChain([stub], { paceMs: 60_000 });
    const stream = chain.stream(ASKED);
    stub.release();
    expect((await stream.next()).value).toMatchObject({ type: 'model' });
    expect((await stream.next()).value).toEqual({ type: 'text', text: 'A' });
    const rest = stream.next();
    for (let i = 0; i < 3; i++) stub.release();
    expect((await rest).value).toEqual({ type: 'text', text: ' b c d' });
    expect((await stream.next()).value).toMatchObject({
      type: 'done',
      usage: { inputTokens: 3, outputTokens: 4 },
    });
  });

  it('hands on what it holds when the interval is over, while the model is still answering', async () => {
    const stub = scripted(['A', ' b', ' c']);
    const chain = new ModelChain([stub], { paceMs: 20 });
    const stream = chain.stream(ASKED);
    stub.release();
    await stream.next(); // model
    expect((await stream.next()).value).toEqual({ type: 'text', text: 'A' });
    stub.release();
    // The model has not sent ' c' yet: ' b' comes when the interval is over.
    expect((await stream.next()).value).toEqual({ type: 'text', text: ' b' });
    stub.release();
    const rest = [];
    for await (const event of stream) rest.push(event);
    expect(texts(rest)).toEqual([' c']);
    expect(rest.at(-1)?.type).toBe('done');
  });

  it('hands on the text it holds before the error of a stream that breaks', async () => {
    const stub = scripted(['A', ' b', new Error('connection reset')]);
    const chain = new ModelChain([stub], { paceMs: 60_000 });
    const events: { type: string; text?: string }[] = [];
    const reading = (async () => {
      for await (const event of chain.stream(ASKED)) events.push(event);
    })();
    for (let i = 0; i < 3; i++) stub.release();
    await expect(reading).rejects.toThrow('broke off: connection reset');
    expect(texts(events)).toEqual(['A', ' b']);
  });

  it('cancels the model call when its reader stops with a read in flight', async () => {
    const stub = scripted(['A', ' b', ' never sent']);
    const chain = new ModelChain([stub], { paceMs: 20 });
    const stream = chain.stream(ASKED);
    stub.release();
    await stream.next(); // model
    await stream.next(); // 'A'
    stub.release();
    expect((await stream.next()).value).toEqual({ type: 'text', text: ' b' });
    // The model waits for a third piece that never comes: closing must not wait for it.
    await expect(stream.return(undefined)).resolves.toEqual({ done: true, value: undefined });
  });
});
