// Resumable streams kept in this process: an array of events per stream, with readers woken on each
// append. Each stream is dropped `lifetimeMs` after its last event (by one sweep for all streams,
// and when it is looked for: no timer per stream or per event, which every token would re-arm); a
// stream past `maxStreamBytes` stops being kept, and past `maxTotalBytes` in all the oldest streams
// go first.
import {
  type StoredStream,
  type StreamEntry,
  type StreamKey,
  type StreamLog,
  type StreamLogLimits,
  StreamLostError,
  type StreamWriter,
  TERMINAL_EVENTS,
} from './stream-log.js';

interface Kept {
  conversationId: string;
  entries: StreamEntry[];
  bytes: number;
  ended: boolean;
  /** Set when the stream stops being kept while readers may be waiting. */
  lost: string | undefined;
  readers: number;
  wake: Set<() => void>;
  /** When its last event was kept (performance.now()). */
  lastAt: number;
}

/** How often the sweep looks for expired streams, at most. */
const SWEEP_MS = 5_000;

const keyOf = ({ tenantId, turnId }: StreamKey) => `${tenantId}\u0000${turnId}`;

export class MemoryStreamLog implements StreamLog {
  /** In insertion order, which is the eviction order. */
  private readonly streams = new Map<string, Kept>();
  private total = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly limits: StreamLogLimits) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(SWEEP_MS, Math.max(1, limits.lifetimeMs / 4)));
    this.sweeper.unref();
  }

  /** Bytes kept now (for tests and gauges). */
  get bytes(): number {
    return this.total;
  }

  open(key: StreamKey, conversationId: string): StreamWriter {
    const id = keyOf(key);
    this.drop(id, 'replaced');
    const kept: Kept = {
      conversationId,
      entries: [],
      bytes: 0,
      ended: false,
      lost: undefined,
      readers: 0,
      wake: new Set(),
      lastAt: performance.now(),
    };
    this.streams.set(id, kept);
    let seq = 0;
    const wakeAll = () => {
      for (const wake of kept.wake) wake();
      kept.wake.clear();
    };
    return {
      append: (event, data) => {
        seq++;
        if (kept.lost || kept.ended) return seq;
        const size = data.length + event.length + 16;
        if (kept.bytes + size > this.limits.maxStreamBytes) {
          this.drop(id, 'it outgrew the resume buffer');
          return seq;
        }
        kept.entries.push({ seq, event, data });
        kept.bytes += size;
        this.total += size;
        if (TERMINAL_EVENTS.has(event)) kept.ended = true;
        kept.lastAt = performance.now();
        wakeAll();
        if (this.total > this.limits.maxTotalBytes) this.evict(id);
        return seq;
      },
      followed: async () => kept.readers > 0,
      close: () => {
        if (kept.ended || kept.lost) return;
        // Ended without a terminal event (the process is stopping): readers must not wait on.
        kept.ended = true;
        this.drop(id, 'its answer was interrupted');
      },
    };
  }

  async find(key: StreamKey): Promise<StoredStream | undefined> {
    const id = keyOf(key);
    const kept = this.streams.get(id);
    if (!kept) return undefined;
    if (this.expired(kept, performance.now())) {
      this.drop(id, 'it expired');
      return undefined;
    }
    return { conversationId: kept.conversationId, read: (after, signal) => this.read(kept, after, signal) };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const id of [...this.streams.keys()]) this.drop(id, 'the server is stopping');
  }

  private async *read(kept: Kept, after: number, signal: AbortSignal): AsyncGenerator<StreamEntry> {
    kept.readers++;
    try {
      // Entries are numbered from 1 with no gaps: the one after `after` is at index `after`.
      let next = Math.max(0, after);
      for (;;) {
        while (next < kept.entries.length) {
          const entry = kept.entries[next++]!;
          yield entry;
          if (TERMINAL_EVENTS.has(entry.event)) return;
        }
        if (kept.lost) throw new StreamLostError(kept.lost);
        if (signal.aborted) return;
        await new Promise<void>((resolve) => {
          const done = () => {
            signal.removeEventListener('abort', done);
            kept.wake.delete(done);
            resolve();
          };
          kept.wake.add(done);
          signal.addEventListener('abort', done, { once: true });
        });
      }
    } finally {
      kept.readers--;
    }
  }

  private expired(kept: Kept, now: number): boolean {
    return now - kept.lastAt >= this.limits.lifetimeMs;
  }

  /** Drops every stream whose last event is older than the lifetime (a stream being read stays). */
  private sweep(): void {
    const now = performance.now();
    for (const [id, kept] of this.streams) {
      if (kept.readers === 0 && this.expired(kept, now)) this.drop(id, 'it expired');
    }
  }

  /** Drops the oldest streams (never `keep`, the one growing) until the total fits. */
  private evict(keep: string): void {
    for (const id of this.streams.keys()) {
      if (this.total <= this.limits.maxTotalBytes) return;
      if (id !== keep) this.drop(id, 'the resume buffer is full');
    }
  }

  private drop(id: string, reason: string): void {
    const kept = this.streams.get(id);
    if (!kept) return;
    this.streams.delete(id);
    this.total -= kept.bytes;
    kept.bytes = 0;
    kept.lost = reason;
    for (const wake of kept.wake) wake();
    kept.wake.clear();
  }
}
