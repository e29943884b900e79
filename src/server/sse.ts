// Server-sent events over a hijacked reply: the headers that stop proxies buffering, event ids,
// heartbeat comments while waiting, backpressure, and a signal that fires when the client leaves.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SseStream {
  /** Fires when the client disconnects. */
  signal: AbortSignal;
  send(event: string, data: unknown): Promise<void>;
  /** A data-only message (no event name), as OpenAI's streams use; a string is sent as is. */
  sendData(data: unknown): Promise<void>;
  end(): void;
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
  res.flushHeaders();
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
  const write = async (frame: string) => {
    if (res.writableEnded || controller.signal.aborted) return;
    // Backpressure: wait for the socket to drain before producing more.
    if (!res.write(frame)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  };

  return {
    signal: controller.signal,
    async send(event, data) {
      await write(`id: ${nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    async sendData(data) {
      await write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    },
    end() {
      ended = true;
      clearInterval(heartbeat);
      if (!res.writableEnded) res.end();
    },
  };
}
