// Settings read from the database on a turn's critical path (a bot's profile, a tenant's budget
// limits), cached: a fresh entry answers at once; an entry past its lifetime but within
// `maxStaleMs` answers at once too while it is read again in the background, so once a key is
// warm no request waits for the database; older or missing entries are read and waited for. A
// change made through this process deletes the key (it applies at once); one made elsewhere
// applies within ttlMs plus one request. (lru-cache's `fetch` with `allowStale` serves a stale
// value however old it is; this bounds the staleness.) Failed reads are not kept, and a failed
// refresh drops the entry.

export interface RefreshAheadOptions {
  ttlMs: number;
  /** How long past its lifetime an entry may still answer while it is refreshed. */
  maxStaleMs: number;
  /** Most keys held (the oldest inserted go first). */
  max: number;
}

interface Entry<V> {
  value: Promise<V>;
  /** When the value was read (set once the read succeeded). */
  at: number | undefined;
  /** The value, once read. */
  read?: V;
  refreshing: boolean;
}

export class RefreshAheadCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    /** Reads a key's value; a background refresh passes the value it replaces (to reuse it). */
    private readonly read: (key: string, previous?: V) => Promise<V>,
    private readonly options: RefreshAheadOptions,
  ) {}

  get(key: string): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) {
      if (hit.at === undefined) return hit.value; // the first read is under way
      const age = Date.now() - hit.at;
      if (age < this.options.ttlMs) return hit.value;
      if (age < this.options.ttlMs + this.options.maxStaleMs) {
        if (!hit.refreshing) this.refresh(key, hit);
        return hit.value;
      }
    }
    return this.load(key);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** The keys held (read or being read). */
  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  private load(key: string): Promise<V> {
    const value = this.read(key);
    const entry: Entry<V> = { value, at: undefined, refreshing: false };
    this.entries.delete(key);
    if (this.entries.size >= this.options.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
    value.then(
      (read) => {
        entry.at = Date.now();
        entry.read = read;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
  }

  private refresh(key: string, stale: Entry<V>): void {
    stale.refreshing = true;
    this.read(key, stale.read).then(
      (value) => {
        // Replaced or deleted meanwhile (a change through this process): that one stands.
        if (this.entries.get(key) !== stale) return;
        this.entries.set(key, {
          value: Promise.resolve(value),
          at: Date.now(),
          read: value,
          refreshing: false,
        });
      },
      () => {
        // Gone, or the database failed: the next request reads again and waits (and fails, or not).
        if (this.entries.get(key) === stale) this.entries.delete(key);
      },
    );
  }
}
