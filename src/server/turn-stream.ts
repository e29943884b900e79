// A turn as server-sent events (POST /v1/chat with stream:true, and an approval's decision): the
// turn's events translated to the wire, each with its number as its id (0, 1, …) and kept in the stream log
// so that a client that loses the connection resumes with GET /v1/turns/{id}/stream. The log keeps
// each event as it goes out (in the process at once, in Redis in a batch per tick: no round trip
// before a token). A client that leaves does not end the turn at once: it runs on for the grace
// period, and to its end if the client (or another tab, on any replica) came back for it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunningTurn, StreamLog, StreamWriter } from '../orchestrator/index.js';
import { toErrorResponse } from './error-handler.js';
import { openSse, type SseMessage } from './sse.js';

/**
 * The SSE id of the log's event `seq` (numbered from 1): the events of a stream have been numbered
 * 0, 1, … on the wire since before they could be resumed, and keep those ids.
 */
export const eventId = (seq: number) => String(seq - 1);

/** The log's number of the event whose SSE id is `id` (a Last-Event-ID); undefined: not an id. */
export function seqOf(id: string): number | undefined {
  return /^\d{1,9}$/.test(id) ? Number(id) + 1 : undefined;
}

export interface TurnStreamOptions {
  /** Where streams are kept for resumption; undefined: not kept. */
  log: StreamLog | undefined;
  /** How long a turn whose client left runs on, waiting for it to resume. */
  graceMs: number;
}

/** The event a resuming reader gets when the turn was cancelled because nobody came back in time. */
const CANCELLED = {
  code: 'PARLEY_ERR_STREAM_LOST',
  message: 'the answer was cancelled: its client left and did not come back in time',
};

/**
 * The signal the turn runs under: without a log, the client's; with one, it aborts only when the
 * client left and nobody resumed within `graceMs`.
 */
function turnSignal(client: AbortSignal, writer: StreamWriter | undefined, graceMs: number) {
  if (!writer) return { signal: client, dispose: () => {} };
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const left = () => {
    timer = setTimeout(() => {
      void writer.followed().then((followed) => {
        if (!followed) controller.abort(client.reason);
      });
    }, graceMs);
  };
  client.addEventListener('abort', left, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      client.removeEventListener('abort', left);
      clearTimeout(timer);
    },
  };
}

/** Streams the turn to the client; resolves when the turn is over (not when the client left). */
export async function streamTurn(
  turn: RunningTurn,
  request: FastifyRequest,
  reply: FastifyReply,
  { log, graceMs }: TurnStreamOptions,
): Promise<void> {
  const sse = openSse(request, reply);
  const writer = log?.open(
    { tenantId: request.principal.tenantId, turnId: turn.turnId },
    turn.conversationId,
  );
  const running = turnSignal(sse.signal, writer, graceMs);
  /** The event as sent: numbered and kept when the stream is resumable. */
  const message = (event: string, data: unknown): SseMessage => {
    if (!writer) return { event, data };
    const json = JSON.stringify(data);
    return { event, data: json, json: true, id: eventId(writer.append(event, json)) };
  };
  try {
    for await (const event of turn.events(running.signal)) {
      if (event.type === 'meta') {
        await sse.sendMessage(
          message('meta', { conversation_id: event.conversationId, turn_id: event.turnId, bot: event.bot }),
        );
      } else if (event.type === 'token') {
        // Backpressure only: a message the socket took costs no promise tick.
        const full = sse.sendMessage(message('token', { text: event.text }));
        if (full) await full;
      } else if (event.type === 'done') {
        const { result } = event;
        sse.end([
          ...(result.approval ? [message('approval', result.approval)] : []),
          message('citations', { citations: result.citations }),
          message('done', {
            usage: result.usage,
            mode: result.mode,
            model: result.model ?? null,
            bot: result.bot,
            finish_reason: result.finish_reason,
          }),
        ]);
      } else if (event.type === 'error' && !event.aborted) {
        const { body: errorBody, unexpected } = toErrorResponse(event.error);
        if (unexpected) request.log.error({ err: event.error }, 'stream failed');
        else request.log.warn({ err: event.error }, 'stream ended with an error');
        await sse.sendMessage(message('error', errorBody.error));
      } else if (event.type === 'error') {
        // Nobody is connected; a reader arriving late learns why the answer stops here.
        message('error', CANCELLED);
      }
    }
  } finally {
    running.dispose();
    writer?.close();
    sse.end();
  }
}
