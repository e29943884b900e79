// Reads a server-sent events stream over a real socket (Fastify's inject waits for the end of a
// response, which a conversation's event stream never reaches by itself).

export interface StreamEvent {
  event: string;
  data: unknown;
  /** The event's `id:`, when it has one. */
  id?: string;
}

export interface EventReader {
  status: number;
  /** Resolves with the next event (in order); rejects if the stream ends or `timeoutMs` passes first. */
  next(timeoutMs?: number): Promise<StreamEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export interface ReadOptions {
  /** A JSON body to POST (a streamed chat answer); without it, a GET. */
  body?: unknown;
  /** Keep each event's `id:` (a resumable stream's); without, events are `{event, data}` only. */
  ids?: boolean;
}

export async function readEvents(
  url: string,
  headers: Record<string, string> = {},
  { body, ids = false }: ReadOptions = {},
): Promise<EventReader> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    signal: controller.signal,
    ...(body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }),
  });
  const queue: StreamEvent[] = [];
  const waiting: ((event: StreamEvent | undefined) => void)[] = [];
  let done = false;
  const push = (event: StreamEvent | undefined) => {
    const waiter = waiting.shift();
    if (waiter) waiter(event);
    else if (event) queue.push(event);
  };
  const ended = (async () => {
    if (!response.body) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done: over } = await reader.read();
        if (over) break;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
          }
          if (fields.data !== undefined) {
            push({
              event: fields.event ?? 'message',
              data: JSON.parse(fields.data),
              ...(ids && fields.id !== undefined ? { id: fields.id } : {}),
            });
          }
        }
      }
    } catch {
      // aborted by close()
    } finally {
      done = true;
      for (const waiter of waiting.splice(0)) waiter(undefined);
    }
  })();
  return {
    status: response.status,
    ended,
    next(timeoutMs = 10_000) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      if (done) return Promise.reject(new Error('the stream ended'));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(settle), 1);
          reject(new Error('no event in time'));
        }, timeoutMs);
        const settle = (event: StreamEvent | undefined) => {
          clearTimeout(timer);
          if (event) resolve(event);
          else reject(new Error('the stream ended'));
        };
        waiting.push(settle);
      });
    },
    close: () => controller.abort(),
  };
}
