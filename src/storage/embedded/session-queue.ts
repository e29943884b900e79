// Serialises many client connections onto PGlite's single backend session. pglite-socket's own
// queue interleaves connections message by message, which breaks the extended query protocol
// (connection A's Bind can land on connection B's unnamed Parse: "bind message supplies 3
// parameters, but prepared statement requires 4"). This queue gives one connection the session
// from its first message until its Sync (or simple Query), and for the whole of a transaction.
//
// It also holds a cycle's replies until the cycle ends, as PostgreSQL's own backend buffers its
// output until Sync or Flush: pglite-socket writes every reply message to the socket as PGlite
// produces it, so a parameterised query cost five socket writes (ParseComplete, BindComplete,
// RowDescription and rows, CommandComplete, ReadyForQuery) on the database thread and as many
// wake-ups of the reading thread. Now it costs one.
//
// Named prepared statements live in the session too, so one connection's outlive it: the queue
// notes the names each connection prepares and deallocates them when it leaves.
import type { PGlite } from '@electric-sql/pglite';

interface Item {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

// Message types that end a protocol cycle: Sync, simple Query, Terminate; a startup packet
// (first byte 0: its length's high byte) also stands alone.
const CYCLE_END = new Set([0x53, 0x51, 0x58, 0x00]);
/** Flush ('H'): the client asks for the replies so far without ending the cycle. */
const FLUSH = 0x48;
/** ReadyForQuery ('Z', length 5, a status byte): the backend waits for the next command. */
const READY_FOR_QUERY = 0x5a;
/** Parse ('P'): a length, then the statement's name (empty: the unnamed statement) and its text. */
const PARSE = 0x50;

/** The statement a Parse message names, or undefined for the unnamed one (or another message). */
export function preparedName(message: Uint8Array): string | undefined {
  if (message[0] !== PARSE || message.length < 6) return undefined;
  const end = message.indexOf(0, 5);
  if (end <= 5) return undefined;
  return Buffer.from(message.buffer, message.byteOffset + 5, end - 5).toString('utf8');
}

/** Whether a reply ends with ReadyForQuery, as after CopyDone, which ends a cycle it did not start. */
function endsReady(reply: Uint8Array): boolean {
  return reply.length >= 6 && reply[reply.length - 6] === READY_FOR_QUERY;
}

export class SessionQueue {
  private queue: Item[] = [];
  private processing = false;
  /** The connection that used the session last, and whether it is mid-cycle. */
  private owner: number | null = null;
  private midCycle = false;
  /** Replies held for the owner until its cycle ends (or it asks with Flush). */
  private held: Uint8Array[] = [];
  /** The statements each connection prepared, and those of connections gone, to deallocate. */
  private prepared = new Map<number, Set<string>>();
  private unprepared: string[] = [];

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    const name = preparedName(message);
    if (name !== undefined) {
      const names = this.prepared.get(handlerId) ?? new Set<string>();
      names.add(name);
      this.prepared.set(handlerId, names);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  /** The connection left (pglite-socket calls this first when it detaches one). */
  clearQueueForHandler(handlerId: number): void {
    const names = this.prepared.get(handlerId);
    if (names) {
      this.prepared.delete(handlerId);
      this.unprepared.push(...names);
      // Deallocated once no connection holds the session (after this one's rollback, if it must).
      queueMicrotask(() => void this.process());
    }
    if (this.owner === handlerId) this.held = [];
    this.queue = this.queue.filter((item) => {
      if (item.handlerId !== handlerId) return true;
      item.reject(new Error('connection closed'));
      return false;
    });
  }

  /** A connection went away: roll back what it left open and release the session. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.owner = null;
    this.held = [];
    this.midCycle = false;
    void this.process();
  }

  private holdsSession(): boolean {
    return this.owner !== null && (this.midCycle || this.db.isInTransaction());
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0 || this.unprepared.length > 0) {
        if (this.unprepared.length > 0 && !this.holdsSession()) {
          await this.deallocate(this.unprepared.splice(0));
          continue;
        }
        if (this.queue.length === 0) return; // the deallocations wait for the session
        const index = this.holdsSession() ? this.queue.findIndex((item) => item.handlerId === this.owner) : 0;
        if (index < 0) return; // the owner's next message has not arrived yet
        const [item] = this.queue.splice(index, 1) as [Item];
        // Another connection takes the session only at a cycle's end, when nothing is held.
        if (this.owner !== item.handlerId) this.held = [];
        this.owner = item.handlerId;
        const type = item.message[0] ?? 0;
        this.midCycle = !CYCLE_END.has(type);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              // Flush to the filesystem once per cycle (at Sync or a simple Query), not after
              // each Parse, Bind and Execute: the same durability at a fraction of the cost.
              syncToFs: !this.midCycle,
              onRawData: (data) => {
                bytes += data.length;
                // PGlite may reuse the buffer it hands over: keep a copy while it is held.
                this.held.push(data.slice());
              },
            }),
          );
          const last = this.held[this.held.length - 1];
          if (!this.midCycle || type === FLUSH || (last !== undefined && endsReady(last))) this.flush(item);
          item.resolve(bytes);
        } catch (error) {
          this.flush(item);
          item.reject(error);
        }
      }
    } finally {
      this.processing = false;
    }
  }

  /** Drops statements of connections gone, between cycles (a simple query each: one may be gone already). */
  private async deallocate(names: readonly string[]): Promise<void> {
    for (const name of names) {
      // Not inside runExclusive: exec takes PGlite's query lock itself (as the ROLLBACK above does).
      await this.db.exec(`deallocate "${name.replaceAll('"', '""')}"`).catch(() => {}); // never prepared (its Parse failed) or gone with a restart: nothing to drop
    }
  }

  /** Hands the held replies to the connection in one piece. */
  private flush(item: Item): void {
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    item.onData(held.length === 1 ? (held[0] as Uint8Array) : Buffer.concat(held));
  }
}
