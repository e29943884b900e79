// The output guard stage of generation: every raw piece of the answer passes the bot's output
// guards before it becomes a `token` anyone sees; what the guards changed is reported as they go.
import type { OutputFilter } from '../guard/index.js';
import type { GenerationEvent, RawGenerationEvent } from './generation-events.js';

/**
 * `events` with their raw tokens through `guard`. A leak cut off stops the generation (returning
 * ends the model call); what the guard held back is sent once the answer is over.
 */
export async function* guardAnswer(
  events: AsyncIterable<RawGenerationEvent>,
  guard: OutputFilter,
): AsyncGenerator<GenerationEvent> {
  // The guard's counts are reported when they change (and once at the start), not per token: a
  // turn's events stay two hops per piece of the answer.
  let reported = '';
  const changed = (): GenerationEvent | undefined => {
    const now = `${guard.cutOff}${JSON.stringify(guard.counts)}`;
    if (now === reported) return undefined;
    reported = now;
    return { type: 'output-guard', counts: { ...guard.counts }, cutOff: guard.cutOff };
  };
  yield changed()!;
  for await (const event of events) {
    if (event.type !== 'raw-token') {
      yield event;
      continue;
    }
    const safe = guard.push(event.text);
    const counts = changed();
    if (counts) yield counts;
    if (safe) yield { type: 'token', text: safe, at: performance.now() };
    if (guard.cutOff) break;
  }
  const rest = guard.end();
  const counts = changed();
  if (counts) yield counts;
  if (rest) yield { type: 'token', text: rest, at: performance.now() };
}
