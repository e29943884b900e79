// The output guard stage of generation: every raw piece of the answer passes the bot's output
// guards before it becomes a `token` anyone sees; what the guards changed is reported as they go.
// A plain synchronous step per event (no async generator of its own), so the stage costs the
// turn no extra promise per token. What the guard releases as whitespace alone (the space before a
// word it still holds back, e.g. " " of " plugin": a word at the end may yet grow into an address
// or a link) waits for the text after it: an event a reader cannot see would cost a write to the
// client, an SSE event and a stream-log entry each, about one token in three.
import type { OutputFilter } from '../guard/index.js';
import type { GenerationEvent, RawGenerationEvent } from './generation-events.js';

const WHITESPACE = /^\s+$/;

/** The stage over one answer: `start`, then `pass` for each event, then `end`. */
export class AnswerGuard {
  // The guard's counts are reported when they change (and once at the start), not per token.
  // Counts only grow and a cut-off is for good, so their sum and the cut-off tell a change.
  private reported = -1;
  /** Whitespace released by the guard, sent with the next visible text (or at the end). */
  private space = '';

  constructor(private readonly guard: OutputFilter) {}

  /** A leak was cut off: the generation must stop (returning ends the model call). */
  get cutOff(): boolean {
    return this.guard.cutOff;
  }

  start(): GenerationEvent[] {
    return [this.counts()!];
  }

  /** What `event` becomes: raw tokens through the filter, every other event as it is. */
  pass(event: RawGenerationEvent): GenerationEvent[] {
    if (event.type !== 'raw-token') return [event];
    const safe = this.guard.push(event.text);
    const counts = this.counts();
    const out: GenerationEvent[] = counts ? [counts] : [];
    if (safe && WHITESPACE.test(safe)) this.space += safe;
    else if (safe) {
      out.push({ type: 'token', text: this.space + safe, at: performance.now() });
      this.space = '';
    }
    return out;
  }

  /** What the guard held back, once the answer is over. */
  end(): GenerationEvent[] {
    const rest = this.space + this.guard.end();
    this.space = '';
    const counts = this.counts();
    const out: GenerationEvent[] = counts ? [counts] : [];
    if (rest) out.push({ type: 'token', text: rest, at: performance.now() });
    return out;
  }

  private counts(): GenerationEvent | undefined {
    let now = this.guard.cutOff ? 1 : 0;
    for (const count of Object.values(this.guard.counts)) now += 2 * (count ?? 0);
    if (now === this.reported) return undefined;
    this.reported = now;
    return { type: 'output-guard', counts: { ...this.guard.counts }, cutOff: this.guard.cutOff };
  }
}
