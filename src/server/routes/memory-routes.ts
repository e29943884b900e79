// An end user's long-term memories, theirs to see, correct and delete: the signed-in user's, or
// those of the user a key acts for (Parley-User); an admin key may name any user of its tenant
// with ?user=; a widget (publishable key) shows the host site's signed-in user theirs, and no one
// else's. Another user's or tenant's memory ids are 404, as ids that do not exist.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { notFound, ParleyError, validationError } from '../../errors/index.js';
import type { UserMemories } from '../../orchestrator/index.js';
import { errorResponses, noContent, TAGS, uuidParams } from './http-schemas.js';
import { memoriesDeleted, memory, memoryEdit, memoryList, memoryQuery } from './memory-schemas.js';

const tags = [TAGS.chat];

export interface MemoryRoutesOptions {
  memories: Pick<UserMemories, 'list' | 'update' | 'delete'>;
}

/** The tenant and the end user whose memories the request is about (see the file's head). */
function memoryOwner(
  request: FastifyRequest,
  named: string | undefined,
): { tenantId: string; userId: string } {
  const { tenantId, userId, scopes } = request.principal;
  if (userId !== undefined) {
    if (named !== undefined && named !== userId)
      throw new ParleyError('PARLEY_ERR_FORBIDDEN', 'a user sees their own memories only');
    return { tenantId, userId };
  }
  // A widget's key reaches these routes for the host site's signed-in user only, whatever its scopes.
  if (request.principal.publishable || !scopes.includes('admin'))
    throw new ParleyError(
      'PARLEY_ERR_FORBIDDEN',
      "memories are an end user's: sign in, or use a key acting for the user (Parley-User)",
    );
  if (named === undefined)
    throw validationError('name the user whose memories these are: ?user=<id> or the Parley-User header');
  return { tenantId, userId: named };
}

export const memoryRoutes: FastifyPluginAsync<MemoryRoutesOptions> = async (app, { memories }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/memories',
    {
      schema: {
        tags,
        summary: "The user's long-term memories, the latest updated first",
        querystring: memoryQuery,
        response: { 200: memoryList, ...errorResponses },
      },
    },
    async (request) => {
      const { tenantId, userId } = memoryOwner(request, request.query.user);
      return { memories: await memories.list(tenantId, userId) };
    },
  );

  api.patch(
    '/v1/memories/:id',
    {
      schema: {
        tags,
        summary: "Correct one of the user's memories",
        params: uuidParams,
        querystring: memoryQuery,
        body: memoryEdit,
        response: { 200: memory, ...errorResponses },
      },
    },
    async (request) => {
      const { tenantId, userId } = memoryOwner(request, request.query.user);
      const updated = await memories.update(tenantId, userId, request.params.id, request.body.text);
      if (!updated) throw notFound('memory');
      return updated;
    },
  );

  api.delete(
    '/v1/memories/:id',
    {
      schema: {
        tags,
        summary: "Delete one of the user's memories",
        params: uuidParams,
        querystring: memoryQuery,
        response: { 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenantId, userId } = memoryOwner(request, request.query.user);
      if ((await memories.delete(tenantId, userId, request.params.id)) === 0) throw notFound('memory');
      return reply.status(204).send();
    },
  );

  api.delete(
    '/v1/memories',
    {
      schema: {
        tags,
        summary: "Delete all of the user's memories",
        querystring: memoryQuery,
        response: { 200: memoriesDeleted, ...errorResponses },
      },
    },
    async (request) => {
      const { tenantId, userId } = memoryOwner(request, request.query.user);
      return { deleted: await memories.delete(tenantId, userId) };
    },
  );
};
