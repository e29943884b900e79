// Resumable streams shared by the replicas through Redis streams, so that a client may resume on
// any of them. The writer keeps every event in this process first (the reader on this replica
// needs no Redis), and copies them to Redis in one pipeline per tick of the event loop, off the
// token's path: XADD with the event's own number as the entry id (`2-<seq>`, after a `1-0`
// header naming the conversation), then PEXPIRE, so the key lives `lifetimeMs` past the last event.
// A reader on another replica replays with XREAD from its last id and blocks for the live rest on
// a connection of its own; ids it checks for gaps, and a stream whose copy broke off (Redis failed,
// the stream outgrew its bound) carries a `3-0` marker, so a reader never skips an event silently.
import type { Redis } from 'ioredis';
import { ParleyError } from '../../errors/index.js';
import type { RedisConnection } from '../../storage/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { MemoryStreamLog } from './memory-stream-log.js';
import {
  isStreamLost,
  type StoredStream,
  type StreamEntry,
  type StreamKey,
  type StreamLog,
  type StreamLogLimits,
  StreamLostError,
  type StreamWriter,
  TERMINAL_EVENTS,
} from './stream-log.js';

/** How long one XREAD waits for live events before checking the writer is still there. */
const BLOCK_MS = 5_000;
/** A stream with no event for this long and no end has lost its writer (its process went away). */
const IDLE_MS = 60_000;
const HEADER_ID = '1-0';
const LOST_ID = '3-0';

const streamKey = ({ tenantId, turnId }: StreamKey) => `parley:turn-stream:${tenantId}:${turnId}`;
const followedKey = (key: StreamKey) => `${streamKey(key)}:followed`;

type XReadReply = [string, [string, string[]][]][] | null;

/** The value of `name` in a flat [field, value, …] list. */
function field(fields: string[], name: string): string | undefined {
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] === name) return fields[index + 1];
  }
  return undefined;
}

export class RedisStreamLog implements StreamLog {
  constructor(
    private readonly redis: RedisConnection,
    private readonly local: MemoryStreamLog,
    private readonly limits: StreamLogLimits,
    private readonly log: Logger,
  ) {}

  open(key: StreamKey, conversationId: string): StreamWriter {
    const here = this.local.open(key, conversationId);
    const { client } = this.redis;
    const id = streamKey(key);
    let pending: StreamEntry[] = [];
    let started = false;
    let ended = false;
    let broken = false;
    let bytes = 0;
    const breakOff = (reason: string, error?: unknown) => {
      if (broken) return;
      broken = true;
      pending = [];
      this.log.warn({ err: error, turnId: key.turnId }, `stream not shared for resumption: ${reason}`);
      // Readers elsewhere stop at the marker instead of waiting for events that will not come.
      client.xadd(id, LOST_ID, 'lost', reason).catch(() => {});
    };
    const flush = () => {
      const batch = pending;
      pending = [];
      if (broken || batch.length === 0) return;
      if (!this.redis.up) return breakOff('redis is unavailable');
      const pipeline = client.pipeline();
      if (!started) pipeline.xadd(id, HEADER_ID, 'conversation', conversationId);
      started = true;
      for (const entry of batch)
        pipeline.xadd(id, `2-${entry.seq}`, 'event', entry.event, 'data', entry.data);
      pipeline.pexpire(id, this.limits.lifetimeMs);
      pipeline.exec().then(
        (results) => {
          const failed = results?.find(([error]) => error)?.[0];
          if (failed) breakOff('redis refused an event', failed);
        },
        (error: unknown) => breakOff('redis failed', error),
      );
    };
    return {
      append: (event, data) => {
        const seq = here.append(event, data);
        if (TERMINAL_EVENTS.has(event)) ended = true;
        if (broken) return seq;
        bytes += data.length + event.length + 16;
        if (bytes > this.limits.maxStreamBytes) {
          breakOff('it outgrew the resume buffer');
          return seq;
        }
        if (pending.length === 0) setImmediate(flush);
        pending.push({ seq, event, data });
        return seq;
      },
      followed: async () => {
        if (await here.followed()) return true;
        return (await client.exists(followedKey(key)).catch(() => 0)) === 1;
      },
      close: () => {
        here.close();
        if (ended) return;
        // Ended without a terminal event: the copy is incomplete for good.
        setImmediate(() => {
          if (!started || broken) return;
          client.xadd(id, LOST_ID, 'lost', 'its answer was interrupted').catch(() => {});
        });
      },
    };
  }

  async find(key: StreamKey): Promise<StoredStream | undefined> {
    const here = await this.local.find(key);
    if (here) return here;
    let header: [string, string[]][];
    try {
      header = await this.redis.client.xrange(streamKey(key), HEADER_ID, HEADER_ID);
    } catch (error) {
      throw new ParleyError(
        'PARLEY_ERR_DEPENDENCY',
        'the stream cannot be resumed now: redis is unavailable',
        {
          cause: error,
        },
      );
    }
    const conversationId = header[0] ? field(header[0][1], 'conversation') : undefined;
    if (conversationId === undefined) return undefined;
    return { conversationId, read: (after, signal) => this.read(key, after, signal) };
  }

  async close(): Promise<void> {
    await this.local.close();
  }

  private async *read(key: StreamKey, after: number, signal: AbortSignal): AsyncGenerator<StreamEntry> {
    const { client } = this.redis;
    const id = streamKey(key);
    // Tells the writer, wherever it runs, that its client came back: its turn runs on to the end.
    client.set(followedKey(key), '1', 'PX', this.limits.lifetimeMs).catch(() => {});
    // Its own connection: a blocked XREAD holds the connection it is sent on.
    const reader: Redis = client.duplicate({ enableOfflineQueue: true, commandTimeout: BLOCK_MS + 5_000 });
    reader.on('error', () => {}); // surfaced by the command that fails
    const stop = () => reader.disconnect();
    signal.addEventListener('abort', stop, { once: true });
    let last = after;
    try {
      for (;;) {
        const reply = (await reader.xread(
          'COUNT',
          1000,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          id,
          `2-${last}`,
        )) as XReadReply;
        if (signal.aborted) return;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0) {
          const ttl = await reader.pttl(id);
          if (ttl < 0) throw new StreamLostError('it expired');
          if (this.limits.lifetimeMs - ttl > IDLE_MS) throw new StreamLostError('its answer stopped');
          continue;
        }
        for (const [entryId, fields] of entries) {
          if (entryId === LOST_ID) throw new StreamLostError(field(fields, 'lost') ?? 'it broke off');
          const seq = Number(entryId.slice(2));
          if (seq !== last + 1) throw new StreamLostError('an event is missing');
          last = seq;
          const event = field(fields, 'event') ?? '';
          yield { seq, event, data: field(fields, 'data') ?? '' };
          if (TERMINAL_EVENTS.has(event)) return;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (isStreamLost(error)) throw error;
      throw new StreamLostError(`redis failed (${(error as Error).message})`);
    } finally {
      signal.removeEventListener('abort', stop);
      reader.disconnect();
    }
  }
}
