// A tenant's end users' data rights, for its administrators (admin keys): an export of everything
// held of one user, and the erasure of it all with a report of what was removed. The user is named
// by the id the identity provider's token carries (or a key acting for users gave). Erasures are
// in the audit log (server/audit-changes.ts).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { eraseUser, exportUser, renewTenantCaches, type UserMemories } from '../../orchestrator/index.js';
import type { Database } from '../../storage/index.js';
import { conversationExport } from './conversation-schemas.js';
import { errorResponses, TAGS, timestamp } from './http-schemas.js';
import { memory } from './memory-schemas.js';
import { tenantDb } from './tenant-db.js';

const tags = [TAGS.chat];

const userParams = z.object({
  id: z
    .string()
    .min(1)
    .max(256)
    .describe("The end user's id: the token's user claim, or the Parley-User a key acted for")
    .meta({ examples: ['auth0|5f7c8ec7c33c6c004bbafe82'] }),
});

const erasureReport = z.object({
  user_id: z.string(),
  removed: z.object({
    conversations: z.number().int(),
    messages: z.number().int(),
    traces: z.number().int(),
    feedback: z.number().int(),
    approvals: z.number().int(),
    visitor_claims: z.number().int(),
    webhook_events: z
      .number()
      .int()
      .describe('Handoff webhook events naming the conversations (they carry a message)'),
    memories: z.number().int(),
  }),
  usage_rows_detached: z
    .number()
    .int()
    .describe("Usage rows kept for the tenant's accounting, no longer naming the erased conversations"),
});

const userExport = z.object({
  user_id: z.string(),
  exported_at: timestamp,
  conversations: z.array(
    conversationExport.extend({
      state: z.string(),
      feedback: z.array(
        z.object({
          turn_id: z.string(),
          rating: z.enum(['up', 'down']),
          comment: z.string().nullable(),
          created_at: timestamp,
        }),
      ),
      traces: z
        .array(
          z.object({
            turn_id: z.string(),
            created_at: timestamp,
            trace: z.record(z.string(), z.unknown()).describe('As GET /v1/turns/{id}/trace gives it'),
          }),
        )
        .describe("The turns' traces still kept (they have their own retention period)"),
    }),
  ),
  memories: z.array(memory).describe("The user's long-term memories"),
});

export interface UserDataRoutesOptions {
  db: Database;
  /** The conversation is gone (erased): forget what this process remembers of it. */
  conversationRemoved: (conversationId: string) => void;
  /** The users' long-term memories (exported; forgotten by this process after an erasure). */
  memories: Pick<UserMemories, 'list' | 'forget'>;
}

export const userDataRoutes: FastifyPluginAsync<UserDataRoutesOptions> = async (
  app,
  { db: database, conversationRemoved, memories },
) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/users/:id/export',
    {
      schema: {
        tags,
        summary:
          'Everything held of one end user: their conversations, messages, ratings, turn traces and memories (admin keys)',
        params: userParams,
        response: { 200: userExport, ...errorResponses },
      },
    },
    async (request) => {
      const { tenantId } = request.principal;
      const [conversations, memoryList] = await Promise.all([
        exportUser(tenantDb(database, request), tenantId, request.params.id),
        memories.list(tenantId, request.params.id),
      ]);
      return {
        user_id: request.params.id,
        exported_at: new Date().toISOString(),
        conversations,
        memories: memoryList,
      };
    },
  );

  api.delete(
    '/v1/users/:id',
    {
      schema: {
        tags,
        summary:
          "Erase one end user's data everywhere: conversations, messages, traces, feedback, waiting actions, memories (admin keys)",
        params: userParams,
        response: { 200: erasureReport, ...errorResponses },
      },
    },
    async (request) => {
      const db = tenantDb(database, request);
      const { report, conversationIds } = await eraseUser(db, request.principal.tenantId, request.params.id);
      for (const id of conversationIds) conversationRemoved(id);
      // Other processes' caches learn of it through the tenant's generation.
      if (conversationIds.length > 0) await renewTenantCaches(db, request.principal.tenantId);
      memories.forget(request.principal.tenantId, request.params.id);
      const { usage_rows_detached, ...removed } = report;
      return { user_id: request.params.id, removed, usage_rows_detached };
    },
  );
};
