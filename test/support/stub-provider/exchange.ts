// One request and its response as a route sees them. Routes write through it so that scripted
// pacing and cuts act alike on every API, and so the stub can tell its own cuts from client aborts.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** How fast a reply is "generated". */
export interface Pacing {
  /** Pause before the first token of a reply (default 0). */
  firstTokenDelayMs: number;
  /** Pause before each later token (default 0). */
  tokenIntervalMs: number;
}

export const NO_PACING: Pacing = { firstTokenDelayMs: 0, tokenIntervalMs: 0 };

/** The time a whole reply of `tokens` tokens takes, which a non-streaming answer waits out. */
export function generationMs(pacing: Pacing, tokens: number): number {
  return tokens === 0 ? 0 : pacing.firstTokenDelayMs + pacing.tokenIntervalMs * (tokens - 1);
}

/** One server-sent event; `data` is JSON-encoded unless it is already a string (`[DONE]`). */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** A reply as server-sent events: those before the tokens, those for each token, those after. */
export interface TokenStream {
  opening: SseEvent[];
  token(text: string): SseEvent[];
  closing: SseEvent[];
}

function serialize(events: SseEvent[]): string {
  return events
    .map(({ event, data }) => {
      const line = `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
      return event === undefined ? line : `event: ${event}\n${line}`;
    })
    .join('');
}

export class Exchange {
  #tokensSent = 0;
  #cutByStub = false;

  constructor(
    readonly body: unknown,
    readonly headers: IncomingHttpHeaders,
    readonly response: ServerResponse,
    /** Aborted when the connection closes, for whatever reason. */
    readonly signal: AbortSignal,
    readonly pacing: Pacing,
    /** Destroy the socket after this many tokens (a JSON answer: halfway through its body). */
    readonly cutAfterTokens: number | undefined,
    /** Stop after this many tokens of a stream until `released` (a JSON answer: before it is sent). */
    readonly hold?: { afterTokens: number; released: Promise<void>; onReached?: () => void },
  ) {}

  /** Tokens written so far. */
  get tokensSent(): number {
    return this.#tokensSent;
  }

  /** Whether the stub itself destroyed the connection (a scripted cut), as opposed to the client. */
  get cutByStub(): boolean {
    return this.#cutByStub;
  }

  /** Waits `ms`; false when the connection closed meanwhile, and nothing more should be written. */
  async pause(ms: number): Promise<boolean> {
    if (ms <= 0) return !this.signal.aborted;
    try {
      await sleep(ms, undefined, { signal: this.signal });
      return true;
    } catch {
      return false;
    }
  }

  /** Waits for `event`; false when the connection closed first, and nothing more should be written. */
  async until(event: Promise<void>): Promise<boolean> {
    if (this.signal.aborted) return false;
    const closed = new Promise<false>((resolve) =>
      this.signal.addEventListener('abort', () => resolve(false), { once: true }),
    );
    return Promise.race([event.then(() => !this.signal.aborted), closed]);
  }

  async sendJson(status: number, body: unknown, headers: Record<string, string> = {}): Promise<void> {
    if (this.hold && !(await this.until(this.hold.released))) return;
    const text = JSON.stringify(body);
    this.response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    if (this.cutAfterTokens === undefined) {
      this.response.end(text);
      return;
    }
    await this.#write(text.slice(0, Math.floor(text.length / 2)));
    this.#cut();
  }

  async sendEvents(
    stream: TokenStream,
    tokens: string[],
    headers: Record<string, string> = {},
  ): Promise<void> {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...headers,
    });
    await this.#write(serialize(stream.opening));
    for (const [index, token] of tokens.entries()) {
      if (index === this.cutAfterTokens) break;
      if (index === this.hold?.afterTokens) {
        this.hold.onReached?.();
        if (!(await this.until(this.hold.released))) return;
      }
      const wait = index === 0 ? this.pacing.firstTokenDelayMs : this.pacing.tokenIntervalMs;
      if (!(await this.pause(wait))) return;
      await this.#write(serialize(stream.token(token)));
      this.#tokensSent += 1;
    }
    if (this.cutAfterTokens !== undefined) this.#cut();
    else this.response.end(serialize(stream.closing));
  }

  /** Resolves once the chunk is handed to the socket, so a cut right after it cannot swallow it. */
  #write(chunk: string): Promise<void> {
    return new Promise((resolve) => {
      this.response.write(chunk, () => resolve());
    });
  }

  #cut(): void {
    this.#cutByStub = true;
    this.response.destroy();
  }
}
