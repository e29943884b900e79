// Server-sent events over a hijacked reply: the headers that stop proxies buffering, event ids,
// heartbeat comments while waiting, backpressure, a signal that fires when the client leaves, and
// answer text sent in one write per flush interval rather than one per token.
import { performance } from 'node:perf_hooks';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A message; without `event`, a data-only one (as OpenAI's streams use), and a string `data` is sent as is. */
export interface SseMessage {
  event?: string;
  data: unknown;
  /** The event's id, which a client sends back as Last-Event-ID to resume (default: a counter). */
  id?: string;
  /** `data` is JSON text already (not serialised again). */
  json?: boolean;
  /**
   * May wait up to the stream's flush interval to go out in one write with the messages after it
   * (answer text after its first piece). Every message keeps its own frame and id; a message
   * without it goes out at once, with whatever waits before it.
   */
  batch?: boolean;
}

export interface SseOptions {
  /** Response headers besides the SSE ones. */
  headers?: Record<string, string>;
  /**
   * Shortest time between two writes of `batch` messages, in ms (0: each message in its own write).
   * A message arriving later than that after the last write goes out at once, so the first token
   * of an answer never waits; the ones after it go out together, at most this much later.
   */
  flushMs?: number;
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
  sendData(data: unknown, batch?: boolean): Promise<void> | undefined;
  /** Writes a message given whole (its own id, data already JSON); backpressure as `send`. */
  sendMessage(message: SseMessage): Promise<void> | undefined;
  /** Ends the stream; messages waiting and `last` go out with the end in one write. Later calls do nothing. */
  end(last?: SseMessage[]): void;
}

const HEARTBEAT_MS = 15_000;

export function openSse(
  request: FastifyRequest,
  reply: FastifyReply,
  { headers = {}, flushMs = 0 }: SseOptions = {},
): SseStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': String(request.id),
    ...headers,
  });
  // The headers go out with the first message (one write instead of two); when nothing is written
  // in this turn of the event loop, on their own.
  let written = false;
  setImmediate(() => {
    if (!written && !res.writableEnded && !res.destroyed) res.flushHeaders();
  });
  const controller = new AbortController();
  let ended = false;
  /** Frames of `batch` messages waiting for the flush, in order. */
  let held = '';
  let flushTimer: NodeJS.Timeout | undefined;
  let lastWrite = Number.NEGATIVE_INFINITY;
  /** Set while the socket is over its high-water mark: resolves when it drains or closes. */
  let full: Promise<void> | undefined;
  const onClose = () => {
    if (!ended) controller.abort(new Error('client disconnected'));
    clearInterval(heartbeat);
    clearTimeout(flushTimer);
    held = '';
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
  const put = (text: string): Promise<void> | undefined => {
    written = true;
    if (res.write(text)) return undefined;
    // Backpressure: the producer waits for the socket to drain before producing more.
    full ??= new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        full = undefined;
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
    return full;
  };
  const flush = () => {
    flushTimer = undefined;
    const text = held;
    held = '';
    if (!text || res.writableEnded || controller.signal.aborted) return;
    lastWrite = performance.now();
    void put(text);
  };
  const write = (message: SseMessage): Promise<void> | undefined => {
    if (res.writableEnded || controller.signal.aborted) return undefined;
    if (message.batch && flushMs > 0) {
      // Only answer text starts the interval: the first piece after `meta` goes out at once.
      const now = performance.now();
      const wait = lastWrite + flushMs - now;
      if (wait > 0) {
        held += frame(message);
        flushTimer ??= setTimeout(flush, wait);
        return full;
      }
      lastWrite = now;
    }
    if (flushTimer !== undefined) {
      clearTimeout(flushTimer);
      flushTimer = undefined;
    }
    const text = held + frame(message);
    held = '';
    return put(text);
  };

  return {
    signal: controller.signal,
    send: (event, data) => write({ event, data }),
    sendData: (data, batch) => write({ data, batch }),
    sendMessage: write,
    end(last = []) {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      clearTimeout(flushTimer);
      const text = held + last.map(frame).join('');
      held = '';
      if (res.writableEnded) return;
      written = true;
      if (!text || controller.signal.aborted) res.end();
      else res.end(text);
    },
  };
}
