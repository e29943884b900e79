import { describe, expect, it } from 'vitest';
import type { OutputFilter } from '../guard/index.js';
import type { GenerationEvent, RawGenerationEvent } from './generation-events.js';
import { AnswerGuard } from './guard-answer.js';

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

/** The events the stage makes of `raw`, as the turn drives it: stopping once the filter cuts off. */
function run(raw: RawGenerationEvent[], filter: OutputFilter): GenerationEvent[] {
  const stage = new AnswerGuard(filter);
  const out = stage.start();
  for (const event of raw) {
    out.push(...stage.pass(event));
    if (stage.cutOff) break;
  }
  return [...out, ...stage.end()];
}

describe('AnswerGuard', () => {
  it('sends raw tokens through the filter, other events as they are, and what was held back at the end', () => {
    const events = run(
      [
        { type: 'mode', mode: 'refused' },
        { type: 'raw-token', text: 'ab' },
        { type: 'raw-token', text: 'cx' },
      ],
      fakeFilter(),
    );
    expect(events.filter((event) => event.type !== 'output-guard')).toMatchObject([
      { type: 'mode', mode: 'refused' },
      { type: 'token', text: 'ab' },
      { type: 'token', text: 'c' },
      { type: 'token', text: 'x' },
    ]);
    // The counts once at the start, then only when they change.
    expect(events.filter((event) => event.type === 'output-guard')).toEqual([
      { type: 'output-guard', counts: {}, cutOff: false },
    ]);
  });

  it('says when the filter cuts the answer off, and reports the cut', () => {
    const filter = fakeFilter();
    const stage = new AnswerGuard(filter);
    stage.start();
    expect(stage.pass({ type: 'raw-token', text: 'Hello ' })).toMatchObject([
      { type: 'token', text: 'Hello ' },
    ]);
    expect(stage.cutOff).toBe(false);
    expect(stage.pass({ type: 'raw-token', text: 'STOP' })).toEqual([
      { type: 'output-guard', counts: { leak: 1 }, cutOff: true },
    ]);
    expect(stage.cutOff).toBe(true);
    expect(stage.end()).toEqual([]);
  });

  it('sends whitespace the filter releases alone with the visible text after it, losing none', () => {
    // As the output guard may release a streamed answer: the space before a word it holds back
    // (the word might grow into an address or a recital) goes out on its own.
    let held = '';
    const filter: OutputFilter = {
      ...fakeFilter(),
      push(piece) {
        const text = held + piece;
        const cut = text.search(/\S+$/);
        held = cut >= 0 ? text.slice(cut) : '';
        return cut >= 0 ? text.slice(0, cut) : text;
      },
      end: () => held,
    };
    const pieces = ['Register', ' the', ' plugin', ' with', ' fastify.register', '  ', ' and', ' go.', ' '];
    const tokens = run(
      pieces.map((text) => ({ type: 'raw-token', text })),
      filter,
    ).flatMap((event) => (event.type === 'token' ? [event.text] : []));
    expect(tokens.join('')).toBe(pieces.join(''));
    expect(tokens.filter((text) => /^\s+$/.test(text))).toEqual([]);
    // Without the stage's help: 'Register', ' ', 'the', ' ', 'plugin', ' ', ... one event a space.
    expect(tokens).toEqual(['Register ', 'the ', 'plugin ', 'with ', 'fastify.register  ', ' and ', 'go. ']);
  });
});
