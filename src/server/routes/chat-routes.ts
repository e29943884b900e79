// POST /v1/chat (JSON, or SSE with stream:true / Accept: text/event-stream), conversations and traces.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound, ParleyError } from '../../errors/index.js';
import type { ResponseFormat } from '../../models/index.js';
import {
  type ChatService,
  conversationState,
  deleteTrace,
  getMessages,
  getTrace,
  listPromptVersions,
  type RunningTurn,
  schemaValidator,
  type ToolApprovals,
  type TurnRunner,
} from '../../orchestrator/index.js';
import type { Database } from '../../storage/index.js';
import { assertCallerOwns, bindCallerConversation, type IsPending } from '../conversation-access.js';
import { turnContext } from '../turn-context.js';
import { streamTurn, type TurnStreamOptions } from '../turn-stream.js';
import { approvalList, approvalsQuery, chatRouteSchema, decisionRouteSchema } from './chat-schemas.js';
import { conversationRoute, deleteTraceRoute, promptsRoute, traceRoute } from './conversation-schemas.js';
import { errorResponses, TAGS } from './http-schemas.js';
import { tenantDb } from './tenant-db.js';

const idParams = z.object({ id: z.uuid('id must be a UUID') });

export interface ChatRoutesOptions {
  db: Database;
  turns: TurnRunner;
  /** Whether a tenant's conversation exists though its first turn is not stored yet. */
  isPending: IsPending;
  maxMessageChars: number;
  /** Streams in flight, which a graceful shutdown waits for. */
  streams: Set<Promise<void>>;
  /** Decides an action a turn paused for; returns the turn that continues the answer. */
  decide: ChatService['decide'];
  approvals: Pick<ToolApprovals, 'list'>;
  /** Where streamed answers are kept for resumption. */
  stream: TurnStreamOptions;
}

/** The answer as JSON matching `schema`; a schema that does not compile is a 400. */
function jsonAnswer(schema: Record<string, unknown>): ResponseFormat {
  schemaValidator(schema);
  return { type: 'json', schema };
}

export const chatRoutes: FastifyPluginAsync<ChatRoutesOptions> = async (
  app,
  { db: database, turns, isPending, maxMessageChars, streams, decide, approvals, stream },
) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const schema = chatRouteSchema({ maxMessageChars });

  /** The turn's answer as JSON, or as server-sent events. */
  const answer = async (
    turn: RunningTurn,
    wantsStream: boolean,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<unknown> => {
    if (!wantsStream) return turn.complete();

    const done = streamTurn(turn, request, reply, stream);
    streams.add(done);
    await done;
    streams.delete(done);
    return reply;
  };

  api.post('/v1/chat', { schema }, async (request, reply) => {
    const { body } = request;
    const wantsStream = body.stream ?? (request.headers.accept ?? '').includes('text/event-stream');
    // Widget visitors (publishable keys) may continue only the conversations they started, end
    // users only their own.
    if (body.conversation_id)
      await assertCallerOwns(tenantDb(database, request), request.principal, body.conversation_id, isPending);
    // A publishable key speaks for its one bot only.
    const scope = request.principal.publishable;
    if (scope && body.bot && body.bot !== scope.bot) {
      throw new ParleyError('PARLEY_ERR_FORBIDDEN', `this key may only talk to bot ${scope.bot}`);
    }
    const turn = await turns.start(
      {
        tenantId: request.principal.tenantId,
        botId: scope ? scope.bot : body.bot,
        message: body.message,
        conversationId: body.conversation_id,
        ...(request.principal.userId === undefined ? {} : { userId: request.principal.userId }),
        ...(body.max_tokens === undefined && body.schema === undefined
          ? {}
          : {
              generation: {
                ...(body.max_tokens === undefined ? {} : { maxOutputTokens: body.max_tokens }),
                ...(body.schema === undefined ? {} : { responseFormat: jsonAnswer(body.schema) }),
              },
            }),
      },
      turnContext(request, reply),
    );
    if (!body.conversation_id) {
      await bindCallerConversation(tenantDb(database, request), request.principal, turn.conversationId).catch(
        (error: unknown) => {
          turn.abandon();
          throw error;
        },
      );
    }
    return answer(turn, wantsStream, request, reply);
  });

  api.post(
    '/v1/conversations/:id/approvals/:approval',
    { schema: decisionRouteSchema() },
    async (request, reply) => {
      const { id, approval } = request.params;
      // A widget visitor decides only in a conversation it started; an operator is any other key.
      await assertCallerOwns(tenantDb(database, request), request.principal, id, isPending);
      const input = await decide(
        request.principal.tenantId,
        id,
        approval,
        request.body.approve,
        // An operator is an admin key (a chat key or a widget visitor decides as the user).
        !request.principal.publishable && request.principal.scopes.includes('admin'),
      );
      const turn = await turns.start(input, turnContext(request, reply));
      const wantsStream = request.body.stream ?? (request.headers.accept ?? '').includes('text/event-stream');
      return answer(turn, wantsStream, request, reply);
    },
  );

  api.get(
    '/v1/approvals',
    {
      schema: {
        tags: [TAGS.chat],
        summary: "The tenant's actions waiting for (or given) a decision, newest first",
        querystring: approvalsQuery,
        response: { 200: approvalList, ...errorResponses },
      },
    },
    async (request) => {
      if (request.principal.publishable)
        throw new ParleyError('PARLEY_ERR_FORBIDDEN', 'an operator key lists approvals');
      const { status, conversation_id, limit } = request.query;
      return {
        approvals: await approvals.list(request.principal.tenantId, {
          ...(status ? { status } : {}),
          ...(conversation_id ? { conversationId: conversation_id } : {}),
          limit,
        }),
      };
    },
  );

  app.get('/v1/prompts', { schema: promptsRoute }, async (request) => ({
    prompts: await listPromptVersions(tenantDb(database, request), request.principal.tenantId),
  }));

  app.get('/v1/conversations/:id', { schema: conversationRoute }, async (request) => {
    const { id } = idParams.parse(request.params);
    const db = tenantDb(database, request);
    await assertCallerOwns(db, request.principal, id, isPending);
    const tenantId = request.principal.tenantId;
    // Asked before the read: the first turn's write may land (and the conversation stop being
    // pending) while the read is under way, which would otherwise read as neither.
    const pending = isPending(tenantId, id, request.principal.userId);
    const [messages, state, waiting] = await Promise.all([
      getMessages(db, tenantId, id),
      conversationState(db, tenantId, id),
      approvals.list(tenantId, { status: 'pending', conversationId: id, limit: 20 }),
    ]);
    // A conversation whose first turn is answered but not stored yet is active.
    if (state === undefined && !pending) throw notFound('conversation');
    return {
      id,
      state: state ?? 'active',
      messages,
      pending_approvals: waiting
        .reverse()
        .map(({ id: approvalId, turn_id, tool, arguments: args, approver }) => ({
          id: approvalId,
          turn_id,
          tool,
          arguments: args,
          approver,
        })),
    };
  });

  app.delete('/v1/turns/:id/trace', { schema: deleteTraceRoute }, async (request, reply) => {
    const { id } = idParams.parse(request.params);
    if (!(await deleteTrace(tenantDb(database, request), request.principal.tenantId, id)))
      throw notFound('trace');
    return reply.status(204).send();
  });

  app.get('/v1/turns/:id/trace', { schema: traceRoute }, async (request) => {
    const { id } = idParams.parse(request.params);
    const trace = await getTrace(tenantDb(database, request), request.principal.tenantId, id);
    if (trace === undefined) throw notFound('trace');
    return trace;
  });
};
