// GET /v1/conversations/{id}/events: a conversation's events as server-sent events, so that an
// open chat page or widget shows a person's reply, and the hand back, as they happen. The
// caller must be able to read the conversation (a widget key: only its visitor's). Each process
// serves at most `maxStreams` at once; shutdown ends them rather than waiting for them.
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { notFound, ParleyError } from '../../errors/index.js';
import {
  type ConversationEvent,
  type ConversationEvents,
  conversationState,
} from '../../orchestrator/index.js';
import type { Database } from '../../storage/index.js';
import { assertCallerOwns, type IsPending } from '../conversation-access.js';
import { openSse, type SseStream } from '../sse.js';
import { conversationEventsRoute } from './handoff-schemas.js';
import { tenantDb } from './tenant-db.js';

export interface ConversationEventRoutesOptions {
  db: Database;
  events: ConversationEvents;
  /** Whether a tenant's conversation exists though its first turn is not stored yet. */
  isPending: IsPending;
  /** Streams open at once in this process. */
  maxStreams: number;
}

function write(sse: SseStream, event: ConversationEvent): void {
  const { type, ...data } = event;
  // A slow reader's messages wait in the socket's buffer: events are few and small.
  void sse.send(type, data);
}

export const conversationEventRoutes: FastifyPluginAsync<ConversationEventRoutesOptions> = async (
  app,
  { db: database, events, isPending, maxStreams },
) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const open = new Map<SseStream, ServerResponse>();
  /** Streams past the cap check that are not open yet (reading the conversation). */
  let opening = 0;
  // Before the server stops taking connections: a stream that never ends would hold it open, and
  // so would its connection, kept alive after the stream's end, until the client let it go.
  app.addHook('preClose', async () => {
    for (const [sse, res] of open) {
      sse.end();
      res.socket?.end();
    }
  });

  api.get('/v1/conversations/:id/events', { schema: conversationEventsRoute }, async (request, reply) => {
    const { id } = request.params;
    const db = tenantDb(database, request);
    await assertCallerOwns(db, request.principal, id, isPending);
    const { tenantId } = request.principal;
    if (open.size + opening >= maxStreams) {
      reply.header('retry-after', '5');
      throw new ParleyError(
        'PARLEY_ERR_OVERLOADED',
        'too many conversation streams are open: try again soon',
      );
    }
    // Watch before reading the state, so that nothing said in between is lost.
    const early: ConversationEvent[] = [];
    let sse: SseStream | undefined;
    const stop = events.subscribe(tenantId, id, (event) => {
      if (sse) write(sse, event);
      else early.push(event);
    });
    // 'close' follows the client leaving (even before the stream opened) and the stream's end.
    let gone = false;
    reply.raw.once('close', () => {
      gone = true;
      stop();
      if (!sse) return;
      open.delete(sse);
      sse.end();
    });
    let state: Awaited<ReturnType<typeof conversationState>>;
    opening++;
    try {
      // The first stream of a process opens its subscription to the other replicas: in place first.
      await events.ready();
      state = await conversationState(db, tenantId, id);
      if (state === undefined && !isPending(tenantId, id, request.principal.userId))
        throw notFound('conversation');
    } catch (error) {
      stop();
      throw error;
    } finally {
      opening--;
    }
    if (gone) {
      reply.hijack();
      return reply;
    }
    sse = openSse(request, reply);
    open.set(sse, reply.raw);
    write(sse, { type: 'state', state: state ?? 'active' });
    for (const event of early) write(sse, event);
    return reply;
  });
};
