// GET /v1/turns/{id}/stream: a streamed answer resumed from the last event its client received,
// from the stream log (this process's, or Redis's when the answer runs on another replica). The
// stream is the caller's tenant's (another tenant's id is unknown: 404); a widget key resumes only
// its visitor's conversations.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { notFound, validationError } from '../../errors/index.js';
import { isStreamLost, type StreamLog } from '../../orchestrator/index.js';
import type { Database } from '../../storage/index.js';
import type { Metrics } from '../../telemetry/index.js';
import { assertCallerOwns, type IsPending } from '../conversation-access.js';
import { openSse } from '../sse.js';
import { eventId, seqOf } from '../turn-stream.js';
import { tenantDb } from './tenant-db.js';
import { turnStreamRoute } from './turn-stream-schemas.js';

export interface TurnStreamRoutesOptions {
  db: Database;
  /** Whether a conversation's first turn is still being written (so not yet found by its owner). */
  isPending: IsPending;
  /** Undefined when streams are not kept (PARLEY_STREAM_RESUME_SECONDS=0): every resume is a 404. */
  log: StreamLog | undefined;
  metrics: Metrics;
  /** Streams in flight, which a graceful shutdown waits for. */
  streams: Set<Promise<void>>;
}

/** The log's number of the last event received (none: 0, the stream from its start). */
function lastSeq(lastEventId: string | undefined): number {
  if (lastEventId === undefined || lastEventId.trim() === '') return 0;
  const seq = seqOf(lastEventId.trim());
  if (seq === undefined)
    throw validationError("Last-Event-ID must be an event id of the turn's stream (0, 1, …)");
  return seq;
}

export const turnStreamRoutes: FastifyPluginAsync<TurnStreamRoutesOptions> = async (
  app,
  { db, isPending, log, metrics, streams },
) => {
  const count = (result: 'completed' | 'left' | 'lost' | 'not_found') => {
    if (metrics.enabled) metrics.streamResumes.inc({ result });
  };

  app
    .withTypeProvider<ZodTypeProvider>()
    .get('/v1/turns/:id/stream', { schema: turnStreamRoute }, async (request, reply) => {
      const { id } = request.params;
      const after = lastSeq(request.headers['last-event-id'] ?? request.query.last_event_id);
      const stored = await log?.find({ tenantId: request.principal.tenantId, turnId: id });
      if (!stored) {
        count('not_found');
        throw notFound('stream');
      }
      await assertCallerOwns(tenantDb(db, request), request.principal, stored.conversationId, isPending);
      const sse = openSse(request, reply);
      const done = (async () => {
        try {
          for await (const entry of stored.read(after, sse.signal)) {
            const full = sse.sendMessage({
              id: eventId(entry.seq),
              event: entry.event,
              data: entry.data,
              json: true,
            });
            if (full) await full;
          }
          count(sse.signal.aborted ? 'left' : 'completed');
        } catch (error) {
          if (!isStreamLost(error)) throw error;
          count('lost');
          request.log.warn({ err: error, turnId: id }, 'a resumed stream could not be completed');
          await sse.send('error', { code: 'PARLEY_ERR_STREAM_LOST', message: error.message });
        } finally {
          sse.end();
        }
      })();
      streams.add(done);
      await done.finally(() => streams.delete(done));
      return reply;
    });
};
