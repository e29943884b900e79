import { describe, expect, it } from 'vitest';
import { SharedQueryEmbedder } from './shared-query-embedder.js';

/** An embedder that counts its calls and answers when `release()` is called. */
function gatedEmbedder() {
  const calls: string[][] = [];
  let release: () => void = () => {};
  let failing = false;
  const gate = () => new Promise<void>((resolve) => (release = resolve));
  return {
    calls,
    release: () => release(),
    fail: (value: boolean) => (failing = value),
    embedder: {
      async embed(texts: string[]) {
        calls.push(texts);
        await gate();
        if (failing) throw new Error('provider down');
        return texts.map((text) => [text.length, 1]);
      },
    },
  };
}

describe('SharedQueryEmbedder', () => {
  it('embeds a text once for callers in flight and just after', async () => {
    const inner = gatedEmbedder();
    const shared = new SharedQueryEmbedder(inner.embedder);
    const first = shared.embed(['tides']);
    const second = shared.embed(['tides']);
    inner.release();
    expect(await first).toEqual([[5, 1]]);
    expect(await second).toEqual([[5, 1]]);
    expect(await shared.embed(['tides'])).toEqual([[5, 1]]);
    expect(inner.calls).toEqual([['tides']]);
  });

  it('forgets a failure, so that the next caller asks again', async () => {
    const inner = gatedEmbedder();
    const shared = new SharedQueryEmbedder(inner.embedder);
    inner.fail(true);
    const failed = shared.embed(['tides']);
    inner.release();
    await expect(failed).rejects.toThrow('provider down');
    inner.fail(false);
    const retried = shared.embed(['tides']);
    inner.release();
    expect(await retried).toEqual([[5, 1]]);
    expect(inner.calls).toHaveLength(2);
  });

  it("stops one caller's wait on its signal, not the shared request", async () => {
    const inner = gatedEmbedder();
    const shared = new SharedQueryEmbedder(inner.embedder);
    const controller = new AbortController();
    const aborted = shared.embed(['tides'], { signal: controller.signal });
    const other = shared.embed(['tides']);
    controller.abort(new Error('client gone'));
    await expect(aborted).rejects.toThrow('client gone');
    inner.release();
    expect(await other).toEqual([[5, 1]]);
  });
});
