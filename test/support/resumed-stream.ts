// Cutting a streamed answer partway and resuming it, as a client that lost its connection does:
// the tests of resumable streams (in one process, across replicas, across `parley serve` processes).
import { expect } from 'vitest';
import { type EventReader, readEvents, type StreamEvent } from './event-stream.js';

/** An answer of many words, long enough to be cut in the middle. */
export const LONG_REPLY = Array.from({ length: 80 }, (_, index) => `word${index}`).join(' ');

/** The text of the `token` events, in order. */
export const tokenText = (events: readonly StreamEvent[]) =>
  events
    .filter((event) => event.event === 'token')
    .map((event) => (event.data as { text: string }).text)
    .join('');

/** Reads events until `until` is true of the events so far, or the stream ends (without failing). */
export async function readUntil(
  reader: EventReader,
  until: (events: StreamEvent[]) => boolean = () => false,
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  while (!until(events)) {
    try {
      events.push(await reader.next(30_000));
    } catch (error) {
      if ((error as Error).message === 'the stream ended') break;
      throw new Error(`${(error as Error).message}, after: ${tokenText(events).slice(-300)}`);
    }
  }
  return events;
}

/**
 * Starts a streamed answer at `base`, reads it until the first `words` words of LONG_REPLY arrived
 * (the server may send several in one event), and drops the connection: what the client saw, its
 * turn, and the id of the last event it received.
 */
export async function askAndCut(
  base: string,
  headers: Record<string, string>,
  words: number,
  message = 'What causes the tides?',
) {
  const reader = await readEvents(`${base}/v1/chat`, headers, { body: { message, stream: true }, ids: true });
  expect(reader.status).toBe(200);
  const seen = await readUntil(reader, (events) => tokenText(events).includes(`word${words - 1} `));
  reader.close();
  const meta = seen[0]?.data as { turn_id: string; conversation_id: string };
  return { seen, turnId: meta.turn_id, conversationId: meta.conversation_id, lastId: seen.at(-1)?.id };
}

/** Resumes the turn's stream at `base` after `lastId` and reads it to its end. */
export async function resume(base: string, headers: Record<string, string>, turnId: string, lastId?: string) {
  const reader = await readEvents(
    `${base}/v1/turns/${turnId}/stream`,
    { ...headers, ...(lastId ? { 'last-event-id': lastId } : {}) },
    { ids: true },
  );
  return { status: reader.status, events: reader.status === 200 ? await readUntil(reader) : [] };
}

/** The events' ids count up from 0 with no gap or repeat. */
export function expectNumbered(events: readonly StreamEvent[]) {
  expect(events.map((event) => event.id)).toEqual(events.map((_, index) => String(index)));
}

/**
 * What a client saw before the cut and what the resume gave are the whole answer: numbered with
 * no gap or repeat, the reply's every word once, ending with `done`. Returns the joined events.
 */
export function expectWholeAnswer(
  seen: readonly StreamEvent[],
  rest: { status: number; events: StreamEvent[] },
) {
  expect(rest.status).toBe(200);
  const all = [...seen, ...rest.events];
  expectNumbered(all);
  expect(tokenText(all)).toBe(LONG_REPLY);
  expect(all.at(-1)?.event).toBe('done');
  return all;
}
