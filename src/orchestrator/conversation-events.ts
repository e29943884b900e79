// What happens in a conversation outside a turn (a person's reply, a hand back), told to whoever
// watches it: the open chat pages and widgets of this process at once, and those of the other
// replicas through Redis pub/sub when Redis is configured. One channel for every conversation;
// a replica that watches none of the conversation's streams drops the message after a map lookup.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { RedisConnection } from '../storage/index.js';
import type { Logger } from '../telemetry/index.js';
import type { ConversationState } from './conversation-memory.js';

export type ConversationEvent =
  | { type: 'agent_reply'; id: string; text: string; author: 'agent'; created_at: string }
  | { type: 'state'; state: ConversationState };

export type ConversationListener = (event: ConversationEvent) => void;

const CHANNEL = 'parley:conversation-events';

interface Envelope {
  origin: string;
  tenantId: string;
  conversationId: string;
  event: ConversationEvent;
}

const keyOf = (tenantId: string, conversationId: string) => `${tenantId}\u0000${conversationId}`;

export class ConversationEvents {
  private readonly listeners = new Map<string, Set<ConversationListener>>();
  /** This process, so that it skips its own messages coming back from Redis. */
  private readonly origin = randomUUID();
  private subscriber: Redis | undefined;
  private closed = false;
  private watching = 0;
  /** Settles once the subscription to the other replicas is in place (or failed). */
  private listening: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: RedisConnection | undefined,
    private readonly log: Logger,
  ) {}

  /** How many watch a conversation in this process now. */
  get watchers(): number {
    return this.watching;
  }

  /** Tells this process's watchers now, and the other replicas' through Redis (best effort). */
  publish(tenantId: string, conversationId: string, event: ConversationEvent): void {
    this.deliver(tenantId, conversationId, event);
    if (!this.redis?.up) return;
    const envelope: Envelope = { origin: this.origin, tenantId, conversationId, event };
    this.redis.client.publish(CHANNEL, JSON.stringify(envelope)).catch((error: unknown) => {
      this.log.warn({ err: error }, 'conversation event not shared with the other replicas');
    });
  }

  /** Watches one conversation of one tenant; returns the function that stops watching. */
  subscribe(tenantId: string, conversationId: string, listener: ConversationListener): () => void {
    const key = keyOf(tenantId, conversationId);
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    this.watching++;
    this.listenToReplicas();
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      this.watching--;
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  /**
   * Resolves once this process hears the other replicas' events (at once without Redis; after
   * `timeoutMs` at most, so that a Redis that is down delays no one for long).
   */
  async ready(timeoutMs = 1_000): Promise<void> {
    await Promise.race([this.listening, sleep(timeoutMs, undefined, { ref: false })]);
  }

  /** Stops listening to the other replicas. */
  async close(): Promise<void> {
    this.closed = true;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private deliver(tenantId: string, conversationId: string, event: ConversationEvent) {
    const set = this.listeners.get(keyOf(tenantId, conversationId));
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (error) {
        this.log.warn({ err: error }, 'a conversation event listener failed');
      }
    }
  }

  /**
   * A connection of its own (a subscribed one takes no other command), opened on first use; its
   * SUBSCRIBE waits for the connection (queued, no command timeout) and is renewed on reconnects.
   */
  private listenToReplicas() {
    if (!this.redis || this.subscriber || this.closed) return;
    const subscriber = this.redis.client.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
    this.subscriber = subscriber;
    subscriber.on('error', () => {}); // the shared connection logs Redis going down
    subscriber.on('message', (_channel: string, raw: string) => {
      let envelope: Envelope;
      try {
        envelope = JSON.parse(raw) as Envelope;
      } catch {
        return;
      }
      if (envelope.origin === this.origin) return;
      this.deliver(envelope.tenantId, envelope.conversationId, envelope.event);
    });
    this.listening = subscriber.subscribe(CHANNEL).then(
      () => {},
      (error: unknown) => {
        this.log.warn({ err: error }, 'not listening to the other replicas for conversation events');
      },
    );
  }
}
