// Bots: each tenant's chat configurations (models and routing, system prompt, retrieval and
// relevance settings, guard policy). Every tenant has the bot `parley`, on the server's defaults
// until changed.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Bots } from '../../orchestrator/index.js';
import { botList, botParams, botView, createBotBody, patchBotBody } from './bot-schemas.js';
import { errorResponses, noContent, TAGS } from './http-schemas.js';

const tags = [TAGS.bots];

export interface BotRoutesOptions {
  bots: Bots;
}

export const botRoutes: FastifyPluginAsync<BotRoutesOptions> = async (app, { bots }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/bots',
    { schema: { tags, summary: "List the tenant's bots", response: { 200: botList, ...errorResponses } } },
    async (request) => ({ bots: await bots.list(request.principal.tenantId) }),
  );

  api.post(
    '/v1/bots',
    {
      schema: {
        tags,
        summary: 'Create a bot',
        body: createBotBody,
        response: { 201: botView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const bot = await bots.create(request.principal.tenantId, request.body);
      return reply.status(201).send(bot);
    },
  );

  api.get(
    '/v1/bots/:id',
    {
      schema: {
        tags,
        summary: 'Read a bot',
        params: botParams,
        response: { 200: botView, ...errorResponses },
      },
    },
    async (request) => bots.get(request.principal.tenantId, request.params.id),
  );

  api.patch(
    '/v1/bots/:id',
    {
      schema: {
        tags,
        summary: 'Change a bot',
        description: "Each setting given replaces the bot's own; `null` removes it (back to the default).",
        params: botParams,
        body: patchBotBody,
        response: { 200: botView, ...errorResponses },
      },
    },
    async (request) => bots.update(request.principal.tenantId, request.params.id, request.body ?? {}),
  );

  api.delete(
    '/v1/bots/:id',
    {
      schema: {
        tags,
        summary: 'Delete a bot',
        params: botParams,
        response: { 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await bots.remove(request.principal.tenantId, request.params.id);
      return reply.status(204).send();
    },
  );
};
