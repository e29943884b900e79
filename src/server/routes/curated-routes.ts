// Curated answers: each bot's question -> answer pairs, which a close enough message is answered
// with (no model call). Scoped to the caller's tenant; a bot the tenant does not have is a 404.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CuratedAnswers } from '../../orchestrator/index.js';
import {
  createCuratedBody,
  curatedBotParams,
  curatedList,
  curatedPageQuery,
  curatedParams,
  curatedView,
  importCuratedBody,
  importResult,
  patchCuratedBody,
} from './curated-schemas.js';
import { errorResponses, noContent, TAGS } from './http-schemas.js';

const tags = [TAGS.curated];

export interface CuratedRoutesOptions {
  curated: CuratedAnswers;
}

export const curatedRoutes: FastifyPluginAsync<CuratedRoutesOptions> = async (app, { curated }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/bots/:bot/curated-answers',
    {
      schema: {
        tags,
        summary: "List a bot's curated answers, oldest first",
        params: curatedBotParams,
        querystring: curatedPageQuery,
        response: { 200: curatedList, ...errorResponses },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const list = await curated.list(request.principal.tenantId, request.params.bot, { limit, offset });
      return { curated_answers: list, limit, offset };
    },
  );

  api.post(
    '/v1/bots/:bot/curated-answers',
    {
      schema: {
        tags,
        summary: 'Add a curated answer',
        description:
          'A message close enough to the question is answered with the answer, with no model call.',
        params: curatedBotParams,
        body: createCuratedBody,
        response: { 201: curatedView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await curated.create(request.principal.tenantId, request.params.bot, request.body);
      return reply.status(201).send(created);
    },
  );

  api.post(
    '/v1/bots/:bot/curated-answers/import',
    {
      schema: {
        tags,
        summary: 'Import curated answers',
        description:
          'All or nothing: adds the pairs, and replaces the answer of questions the bot has already (compared without case and punctuation).',
        params: curatedBotParams,
        body: importCuratedBody,
        response: { 200: importResult, ...errorResponses },
      },
    },
    async (request) => curated.import(request.principal.tenantId, request.params.bot, request.body),
  );

  api.patch(
    '/v1/bots/:bot/curated-answers/:id',
    {
      schema: {
        tags,
        summary: 'Change a curated answer',
        params: curatedParams,
        body: patchCuratedBody,
        response: { 200: curatedView, ...errorResponses },
      },
    },
    async (request) =>
      curated.update(request.principal.tenantId, request.params.bot, request.params.id, request.body),
  );

  api.delete(
    '/v1/bots/:bot/curated-answers/:id',
    {
      schema: {
        tags,
        summary: 'Delete a curated answer',
        params: curatedParams,
        response: { 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await curated.remove(request.principal.tenantId, request.params.bot, request.params.id);
      return reply.status(204).send();
    },
  );
};
