import { describe, expect, it } from 'vitest';
import type { OutputFilter } from '../guard/index.js';
import type { GenerationEvent, RawGenerationEvent } from './generation-events.js';
import { guardAnswer } from './guard-answer.js';

/** A filter that holds back a trailing "x" and cuts the answer off at "STOP". */
function fakeFilter(): OutputFilter {
  let held = '';
  const counts: Record<string, number> = {};
  let cutOff = false;
  return {
    push(piece) {
      if (piece.includes('STOP')) {
        cutOff = true;
        counts.leak = 1;
        return '';
      }
      const text = held + piece;
      held = text.endsWith('x') ? 'x' : '';
      return held ? text.slice(0, -1) : text;
    },
    end: () => held,
    get cutOff() {
      return cutOff;
    },
    get counts() {
      return counts;
    },
  };
}

async function collect(events: AsyncIterable<GenerationEvent>) {
  const out: GenerationEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

async function* source(events: RawGenerationEvent[], closed: { value: boolean }) {
  try {
    yield* events;
  } finally {
    closed.value = true;
  }
}

describe('guardAnswer', () => {
  it('sends raw tokens through the filter, other events as they are, and what was held back at the end', async () => {
    const closed = { value: false };
    const events = await collect(
      guardAnswer(
        source(
          [
            { type: 'mode', mode: 'refused' },
            { type: 'raw-token', text: 'ab' },
            { type: 'raw-token', text: 'cx' },
          ],
          closed,
        ),
        fakeFilter(),
      ),
    );
    expect(events.filter((event) => event.type !== 'output-guard')).toMatchObject([
      { type: 'mode', mode: 'refused' },
      { type: 'token', text: 'ab' },
      { type: 'token', text: 'c' },
      { type: 'token', text: 'x' },
    ]);
    expect(events[0]).toEqual({ type: 'output-guard', counts: {}, cutOff: false });
    expect(closed.value).toBe(true);
  });

  it('stops generating once the filter cuts the answer off, and reports the cut', async () => {
    const closed = { value: false };
    const events = await collect(
      guardAnswer(
        source(
          [
            { type: 'raw-token', text: 'Hello ' },
            { type: 'raw-token', text: 'STOP' },
            { type: 'raw-token', text: 'never sent' },
            { type: 'citations', citations: [] },
          ],
          closed,
        ),
        fakeFilter(),
      ),
    );
    const tokens = events.flatMap((event) => (event.type === 'token' ? [event.text] : []));
    expect(tokens).toEqual(['Hello ']);
    expect(events.some((event) => event.type === 'citations')).toBe(false);
    expect(events.at(-1)).toEqual({ type: 'output-guard', counts: { leak: 1 }, cutOff: true });
    expect(closed.value).toBe(true);
  });

  it('lets a broken generation throw after what was sent', async () => {
    async function* breaking(): AsyncGenerator<RawGenerationEvent> {
      yield { type: 'raw-token', text: 'Fourteen ' };
      throw new Error('stream cut');
    }
    const sent: GenerationEvent[] = [];
    await expect(
      (async () => {
        for await (const event of guardAnswer(breaking(), fakeFilter())) sent.push(event);
      })(),
    ).rejects.toThrow('stream cut');
    expect(sent.filter((event) => event.type === 'token')).toMatchObject([{ text: 'Fourteen ' }]);
  });
});
