// The agent API: the conversations handed to a person (a request for one, with the bot's
// `intents.handoff` on), a person's replies in them, and handing them back to the bot. While a
// conversation is handed off the bot stays silent (mode `handed_off`). Tenant-scoped like every
// route; a widget's publishable key cannot reach it (widget-access.ts). Replies and hand backs are
// published to the chat pages watching the conversation (conversation-event-routes.ts). A person's
// reply is stored and published as the bot's answer PII policy redacts its answers.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { notFound, ParleyError } from '../../errors/index.js';
import { type PiiPolicy, redactPii } from '../../guard/index.js';
import {
  addAgentReply,
  type ConversationEvents,
  conversationBot,
  conversationState,
  handBack,
  handedOffConversations,
} from '../../orchestrator/index.js';
import type { Database } from '../../storage/index.js';
import { agentReplyRoute, handBackRoute, handoffsRoute } from './handoff-schemas.js';
import { tenantDb } from './tenant-db.js';

export interface HandoffRoutesOptions {
  db: Database;
  /** A conversation changed outside a turn: the chat service reads it afresh. */
  conversationChanged: (conversationId: string) => void;
  /** Tells the chat pages watching a conversation (GET /v1/conversations/{id}/events). */
  events: ConversationEvents;
  /** The PII policy of a bot's answers, which a person's reply keeps too. */
  answerPiiPolicyOf: (tenantId: string, botId: string) => Promise<PiiPolicy>;
}

export const handoffRoutes: FastifyPluginAsync<HandoffRoutesOptions> = async (
  app,
  { db: database, conversationChanged, events, answerPiiPolicyOf },
) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  /** 404 for a conversation the tenant does not have, 409 for one not handed off. */
  const notHandedOff = async (db: ReturnType<typeof tenantDb>, tenantId: string, id: string) => {
    const state = await conversationState(db, tenantId, id);
    if (state === undefined) return notFound('conversation');
    return new ParleyError('PARLEY_ERR_CONFLICT', `conversation ${id} is ${state}, not handed off`);
  };

  api.get('/v1/handoffs', { schema: handoffsRoute }, async (request) => ({
    conversations: await handedOffConversations(
      tenantDb(database, request),
      request.principal.tenantId,
      request.query.limit,
    ),
  }));

  api.post('/v1/conversations/:id/agent-replies', { schema: agentReplyRoute }, async (request, reply) => {
    const db = tenantDb(database, request);
    const { tenantId } = request.principal;
    const { id } = request.params;
    const bot = await conversationBot(db, tenantId, id);
    if (bot === undefined) throw notFound('conversation');
    const content = redactPii(request.body.content, await answerPiiPolicyOf(tenantId, bot)).text;
    const added = await addAgentReply(db, tenantId, id, { id: randomUUID(), turnId: randomUUID(), content });
    if (!added) throw await notHandedOff(db, tenantId, id);
    conversationChanged(id);
    events.publish(tenantId, id, {
      type: 'agent_reply',
      id: added.id,
      text: content,
      author: 'agent',
      created_at: added.created_at,
    });
    return reply.status(201).send(added);
  });

  api.post('/v1/conversations/:id/hand-back', { schema: handBackRoute }, async (request) => {
    const db = tenantDb(database, request);
    const { tenantId } = request.principal;
    const { id } = request.params;
    if (!(await handBack(db, tenantId, id))) throw await notHandedOff(db, tenantId, id);
    conversationChanged(id);
    events.publish(tenantId, id, { type: 'state', state: 'active' });
    return { id, state: 'active' as const };
  });
};
