// The seam of resumable streams: a streamed turn's events, numbered and kept for a while after its
// end, so that a client that lost its connection (a reload, a network blip, another replica behind
// the load balancer) reads the rest from where it stopped. One writer per stream; any number of
// readers, each replaying what is kept after its last event and then following live until the end.

/** One event of a stream: its number (1, 2, …, no gaps), its name and its data as JSON text. */
export interface StreamEntry {
  seq: number;
  event: string;
  data: string;
}

/** Events after which a stream has nothing more. */
export const TERMINAL_EVENTS: ReadonlySet<string> = new Set(['done', 'error']);

/** Where a stream is filed: its tenant and turn (another tenant's lookup never finds it). */
export interface StreamKey {
  tenantId: string;
  turnId: string;
}

export interface StreamWriter {
  /** Numbers the event and keeps it (synchronously in the process; shared stores in a batch). */
  append(event: string, data: string): number;
  /** Whether a reader has come back for this stream since it opened (here or on another replica). */
  followed(): Promise<boolean>;
  /** No more events (a stream that ends without a terminal event is closed by its last append). */
  close(): void;
}

/** A stream found for a reader. */
export interface StoredStream {
  conversationId: string;
  /**
   * The events after `after`, then the live ones, ending after a terminal event. Throws a
   * `StreamLostError` when the rest cannot be had (the stream outgrew its bound, or its writer went
   * away): never an event missing or repeated in between.
   */
  read(after: number, signal: AbortSignal): AsyncIterable<StreamEntry>;
}

export interface StreamLog {
  open(key: StreamKey, conversationId: string): StreamWriter;
  /** The stream, while it is kept; undefined: unknown, another tenant's, or expired. */
  find(key: StreamKey): Promise<StoredStream | undefined>;
  close(): Promise<void>;
}

export interface StreamLogLimits {
  /** How long a stream is kept after its last event. */
  lifetimeMs: number;
  /** A stream larger than this stops being kept (and becomes unresumable). */
  maxStreamBytes: number;
  /** Everything this process keeps; past it, the oldest streams go first. */
  maxTotalBytes: number;
}

export class StreamLostError extends Error {
  constructor(reason: string) {
    super(`the stream cannot be resumed: ${reason}`);
    this.name = 'StreamLostError';
  }
}

export const isStreamLost = (error: unknown): error is StreamLostError =>
  error instanceof Error && error.name === 'StreamLostError';
