// Server-sent events, parsed by hand and incrementally, so that every benchmark client pays the
// same for them whichever server it reads (the WHATWG event-stream format: blocks separated by a
// blank line, `event:` and `data:` fields; `id:` and `:` comment lines carry nothing measured).

export interface SseEvent {
  event: string | undefined;
  data: string;
  /** When the chunk holding the event's end was read (performance.now()). */
  at: number;
}

/** Feed it chunks as they arrive; it returns the events they complete. */
export class SseParser {
  #buffer = '';
  readonly #decoder = new TextDecoder();

  push(chunk: Uint8Array, at = performance.now()): SseEvent[] {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    if (this.#buffer.includes('\r')) this.#buffer = this.#buffer.replaceAll('\r\n', '\n');
    const events: SseEvent[] = [];
    for (let end = this.#buffer.indexOf('\n\n'); end >= 0; end = this.#buffer.indexOf('\n\n')) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (event !== undefined || data.length > 0) events.push({ event, data: data.join('\n'), at });
    }
    return events;
  }
}

/** The events of a fetch() response body, in order. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield* parser.push(value);
    }
  } finally {
    reader.releaseLock();
  }
}
