// When each key was last used, written cheaply: a request only notes the time in memory (and only
// when this process has not noted the key in the last minute); a background loop writes what is
// noted in one statement every few seconds, and the statement itself skips a key whose stored
// time is less than a minute older (another process wrote it). So a key in constant use costs one
// row write a minute, and no request waits for it.
import type { BackgroundLoops, LoopHandle } from '../../jobs/index.js';
import type { QueryRunner } from '../../storage/index.js';

/** The finest grain of `last_used_at`: a key's time is written at most once per this. */
export const LAST_USED_GRAIN_MS = 60_000;
/** How often the noted times are written. */
const FLUSH_EVERY_MS = 5_000;
/** Keys whose last note this process remembers (the oldest go first). */
const NOTED_MAX = 10_000;

export class KeyUsage {
  /** Times noted and not yet written, by key. */
  private pending = new Map<string, number>();
  /** When this process last noted each key. */
  private readonly noted = new Map<string, number>();
  private loop: LoopHandle | undefined;

  constructor(private readonly db: Pick<QueryRunner, 'query'>) {}

  /** Notes a use of the key now (a map lookup; nothing is written here). */
  used(keyId: string, now = Date.now()): void {
    const last = this.noted.get(keyId);
    if (last !== undefined && now - last < LAST_USED_GRAIN_MS) return;
    this.noted.delete(keyId);
    if (this.noted.size >= NOTED_MAX) this.noted.delete(this.noted.keys().next().value!);
    this.noted.set(keyId, now);
    this.pending.set(keyId, now);
  }

  /** Writes the noted times (one statement); a failed write keeps them for the next run. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.db.query(
        `update api_keys k set last_used_at = u.at
           from unnest($1::text[], $2::timestamptz[]) as u(id, at)
          where k.id = u.id and (k.last_used_at is null or k.last_used_at < u.at - $3 * interval '1 millisecond')`,
        [[...batch.keys()], [...batch.values()].map((at) => new Date(at)), LAST_USED_GRAIN_MS],
      );
    } catch (error) {
      for (const [keyId, at] of batch) if (!this.pending.has(keyId)) this.pending.set(keyId, at);
      throw error;
    }
  }

  start(loops: BackgroundLoops): void {
    this.loop ??= loops.loop('key-last-used', () => this.flush(), {
      everyMs: FLUSH_EVERY_MS,
      backoff: { firstMs: FLUSH_EVERY_MS, maxMs: 60_000 },
    });
  }

  /** Stops the loop and writes what is pending (best effort: a last-used time is not worth a failed shutdown). */
  async stop(): Promise<void> {
    await this.loop?.stop();
    this.loop = undefined;
    await this.flush().catch(() => {});
  }
}
