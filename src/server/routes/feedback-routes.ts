// POST /v1/turns/{turn_id}/feedback (rate an answer) and GET /v1/feedback (the operators' list).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { TurnFeedback } from '../../orchestrator/index.js';
import type { Database } from '../../storage/index.js';
import { assertCallerOwns } from '../conversation-access.js';
import { listRouteSchema, rateRouteSchema } from './feedback-schemas.js';
import { tenantDb } from './tenant-db.js';

export interface FeedbackRoutesOptions {
  db: Database;
  feedback: TurnFeedback;
}

export const feedbackRoutes: FastifyPluginAsync<FeedbackRoutesOptions> = async (app, { db, feedback }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/v1/turns/:turn_id/feedback', { schema: rateRouteSchema }, async (request, reply) => {
    const { tenantId } = request.principal;
    const turn = await feedback.turn(tenantId, request.params.turn_id);
    // A widget visitor rates only the answers of conversations it started, an end user their own.
    await assertCallerOwns(tenantDb(db, request), request.principal, turn.conversationId);
    const { rating, comment } = request.body;
    const rated = await feedback.rate(tenantId, turn, rating, comment);
    return reply
      .status(rated.created ? 201 : 200)
      .send({ ...rated.feedback, offer_handoff: rated.offerHandoff });
  });

  // Publishable keys never reach this: widget access keeps them to the widget's routes.
  api.get('/v1/feedback', { schema: listRouteSchema }, async (request) => {
    const { bot, rating, from, to, limit } = request.query;
    return {
      feedback: await feedback.list(request.principal.tenantId, {
        ...(bot ? { bot } : {}),
        ...(rating ? { rating } : {}),
        ...(from ? { from: new Date(from) } : {}),
        ...(to ? { to: new Date(to) } : {}),
        limit,
      }),
    };
  });
};
