// Server-sent events over a hijacked reply: the headers that stop proxies buffering, event ids,
// heartbeat comments while waiting, backpressure, and a signal that fires when the client leaves.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A message; without `event`, a data-only one (as OpenAI's streams use), and a string `data` is sent as is. */
export interface SseMessage {
  event?: string;
  data: unknown;
  /** The event's id, which a client sends back as Last-Event-ID to resume (default: a counter). */
  id?: string;
  /** `data` is JSON text already (not serialised again). */
  json?: boolean;
}

export interface SseStream {
  /** Fires when the client disconnects. */
  signal: AbortSignal;
  /**
   * Writes a message. Returns a promise to wait on when the socket is full (backpressure), and
   * nothing when it took the message: the caller goes on without a promise tick per token.
   */
  send(event: string, data: unknown): Promise<void> | undefined;
  /** A data-only message (no event name), as OpenAI's streams use; a string is sent as is. */
  sendData(data: unknown): Promise<void> | undefined;
  /** Writes a message given whole (its own id, data already JSON); backpressure as `send`. */
  sendMessage(message: SseMessage): Promise<void> | undefined;
  /** Ends the stream; `last` messages go out with the end in one write. Later calls do nothing. */
  end(last?: SseMessage[]): void;
}

const HEARTBEAT_MS = 15_000;

export function openSse(
  request: FastifyRequest,
  reply: FastifyReply,
  extraHeaders: Record<string, string> = {},
): SseStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': String(request.id),
    ...extraHeaders,
  });
  // The headers go out with the first message (one write instead of two); when nothing is written
  // in this turn of the event loop, on their own.
  let written = false;
  setImmediate(() => {
    if (!written && !res.writableEnded && !res.destroyed) res.flushHeaders();
  });
  const controller = new AbortController();
  let ended = false;
  const onClose = () => {
    if (!ended) controller.abort(new Error('client disconnected'));
    clearInterval(heartbeat);
  };
  res.on('close', onClose);
  const heartbeat = setInterval(() => {
    if (!res.writableEnded) res.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  let nextId = 0;
  const frame = (message: SseMessage) =>
    message.event === undefined
      ? `data: ${typeof message.data === 'string' ? message.data : JSON.stringify(message.data)}\n\n`
      : `id: ${message.id ?? nextId++}\nevent: ${message.event}\ndata: ${message.json ? (message.data as string) : JSON.stringify(message.data)}\n\n`;
  const write = (frame: string): Promise<void> | undefined => {
    if (res.writableEnded || controller.signal.aborted) return undefined;
    written = true;
    if (res.write(frame)) return undefined;
    // Backpressure: wait for the socket to drain before producing more.
    return new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  };

  return {
    signal: controller.signal,
    send: (event, data) => write(frame({ event, data })),
    sendData: (data) => write(frame({ data })),
    sendMessage: (message) => write(frame(message)),
    end(last = []) {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      if (res.writableEnded) return;
      written = true;
      if (last.length === 0 || controller.signal.aborted) res.end();
      else res.end(last.map(frame).join(''));
    },
  };
}
