// A tenant's conversations for their owner: listed (newest first, searchable by title), renamed,
// deleted with everything held of them (or one turn of them, as a chat's Regenerate does), and
// exported as JSON or Markdown. A new title is stored as the bot's PII policy redacts its users'
// messages (the title a first turn gives is the stored, redacted, question). Until end users sign in (issue "People"), the owner is the
// tenant: secret keys only (a widget visitor reads back just the conversations it started,
// through GET /v1/conversations/{id}).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../errors/index.js';
import { redactPii } from '../../guard/index.js';
import type { PiiPolicyOf } from '../../orchestrator/index.js';
import {
  conversationBot,
  conversationState,
  deleteConversation,
  deleteTurn,
  getMessages,
  listConversations,
  renameConversation,
} from '../../orchestrator/index.js';
import type { Database } from '../../storage/index.js';
import { assertCallerOwns } from '../conversation-access.js';
import {
  conversationExport,
  conversationList,
  conversationListQuery,
  conversationSummary,
  exportQuery,
  renameBody,
  turnParams,
} from './conversation-schemas.js';
import { errorResponses, noContent, TAGS, uuidParams } from './http-schemas.js';
import { tenantDb } from './tenant-db.js';

const tags = [TAGS.chat];

export interface ConversationListRoutesOptions {
  db: Database;
  /** The conversation, or a turn of it, is gone: forget what this process keeps of it (answers cached from it too). */
  conversationRemoved: (conversationId: string) => void;
  /** The PII policy of a bot's users' messages, which a title is stored under too. */
  piiPolicyOf: PiiPolicyOf;
}

export const conversationListRoutes: FastifyPluginAsync<ConversationListRoutesOptions> = async (
  app,
  { db: database, conversationRemoved, piiPolicyOf },
) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/conversations',
    {
      schema: {
        tags,
        summary: "The tenant's conversations (an end user's: their own), the latest changed first",
        querystring: conversationListQuery,
        response: { 200: conversationList, ...errorResponses },
      },
    },
    async (request) => {
      const { limit, offset, q } = request.query;
      const conversations = await listConversations(tenantDb(database, request), request.principal.tenantId, {
        limit,
        offset,
        ...(q ? { search: q } : {}),
        ...(request.principal.userId === undefined ? {} : { userId: request.principal.userId }),
      });
      return { conversations, limit, offset };
    },
  );

  api.patch(
    '/v1/conversations/:id',
    {
      schema: {
        tags,
        summary: 'Rename a conversation',
        params: uuidParams,
        body: renameBody,
        response: { 200: conversationSummary, ...errorResponses },
      },
    },
    async (request) => {
      const db = tenantDb(database, request);
      await assertCallerOwns(db, request.principal, request.params.id);
      const { tenantId } = request.principal;
      const bot = await conversationBot(db, tenantId, request.params.id);
      if (bot === undefined) throw notFound('conversation');
      const title = redactPii(request.body.title, await piiPolicyOf(tenantId, bot)).text;
      const renamed = await renameConversation(db, tenantId, request.params.id, title);
      if (!renamed) throw notFound('conversation');
      return renamed;
    },
  );

  api.delete(
    '/v1/conversations/:id',
    {
      schema: {
        tags,
        summary: 'Delete a conversation, its messages, traces, feedback and pending actions',
        params: uuidParams,
        response: { 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      const db = tenantDb(database, request);
      await assertCallerOwns(db, request.principal, request.params.id);
      const deleted = await deleteConversation(db, request.principal.tenantId, request.params.id);
      if (!deleted) throw notFound('conversation');
      conversationRemoved(request.params.id);
      return reply.status(204).send();
    },
  );

  api.delete(
    '/v1/conversations/:id/turns/:turn_id',
    {
      schema: {
        tags,
        summary:
          'Delete one turn of a conversation (its question, answer, trace, feedback and pending action)',
        description:
          "What a chat's Regenerate does before asking again. A turn is stored just after its answer: a 404 right after it may be worth one more try.",
        params: turnParams,
        response: { 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      const db = tenantDb(database, request);
      await assertCallerOwns(db, request.principal, request.params.id);
      const { id, turn_id } = request.params;
      if (!(await deleteTurn(db, request.principal.tenantId, id, turn_id))) throw notFound('turn');
      conversationRemoved(id);
      return reply.status(204).send();
    },
  );

  api.get(
    '/v1/conversations/:id/export',
    {
      schema: {
        tags,
        summary: 'Export a conversation as JSON or Markdown',
        params: uuidParams,
        querystring: exportQuery,
        response: {
          200: {
            description: 'The conversation as JSON, or as a Markdown attachment with format=markdown',
            content: {
              'application/json': { schema: conversationExport },
              'text/markdown': { schema: z.string() },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const db = tenantDb(database, request);
      const tenantId = request.principal.tenantId;
      const id = request.params.id;
      await assertCallerOwns(db, request.principal, id);
      const [state, messages, listed] = await Promise.all([
        conversationState(db, tenantId, id),
        getMessages(db, tenantId, id),
        conversationRow(db, tenantId, id),
      ]);
      if (state === undefined || !listed) throw notFound('conversation');
      const exported = { ...listed, messages };
      if (request.query.format === 'json') return exported;
      return reply
        .header('content-type', 'text/markdown; charset=utf-8')
        .header('content-disposition', `attachment; filename="conversation-${id}.md"`)
        .send(markdown(exported));
    },
  );
};

/** The conversation's row as the export shows it (title, bot, times). */
async function conversationRow(db: Parameters<typeof getMessages>[0], tenantId: string, id: string) {
  const rows = await db.query<{
    id: string;
    bot: string;
    title: string | null;
    created_at: string;
    updated_at: string;
  }>(
    'select id, bot_id as bot, title, created_at, updated_at from conversations where id = $1 and tenant_id = $2',
    [id, tenantId],
  );
  return rows[0];
}

type Exported = {
  id: string;
  bot: string;
  title: string | null;
  messages: Awaited<ReturnType<typeof getMessages>>;
};

/** The conversation as Markdown: its title, then each message with who wrote it and its sources. */
function markdown(conversation: Exported): string {
  const lines = [`# ${conversation.title ?? 'Conversation'}`, ''];
  for (const message of conversation.messages) {
    const who = message.role === 'user' ? 'You' : message.author === 'agent' ? 'Agent' : 'Assistant';
    const at = new Date(message.created_at).toISOString();
    lines.push(`**${who}** (${at}):`, '', message.content, '');
    const sources = (message.citations ?? []) as { title: string; source: string | null }[];
    if (sources.length > 0) {
      lines.push(
        `Sources: ${sources.map((source) => (source.source ? `[${source.title}](${source.source})` : source.title)).join(', ')}`,
        '',
      );
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
