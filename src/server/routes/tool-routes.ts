// A tenant's HTTP tools and tool secrets. A bot's model may call the tools its settings allow
// (`tools.allow`); secrets are written here and only ever read by a tool call's auth header.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { TenantHttpTools } from '../../tools/index.js';
import { errorResponses, noContent, TAGS } from './http-schemas.js';
import {
  secretBody,
  secretList,
  secretParams,
  toolBody,
  toolList,
  toolParams,
  toolView,
} from './tool-schemas.js';

const tags = [TAGS.tools];

export interface ToolRoutesOptions {
  tools: TenantHttpTools;
}

export const toolRoutes: FastifyPluginAsync<ToolRoutesOptions> = async (app, { tools }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/tools',
    {
      schema: {
        tags,
        summary: "List the tenant's HTTP tools",
        response: { 200: toolList, ...errorResponses },
      },
    },
    async (request) => ({ tools: await tools.definitions(request.principal.tenantId) }),
  );

  api.get(
    '/v1/tools/:name',
    {
      schema: {
        tags,
        summary: 'Read an HTTP tool',
        params: toolParams,
        response: { 200: toolView, ...errorResponses },
      },
    },
    async (request) => tools.get(request.principal.tenantId, request.params.name),
  );

  api.put(
    '/v1/tools/:name',
    {
      schema: {
        tags,
        summary: 'Create or replace an HTTP tool',
        description:
          "A bot's model may call it once the bot's settings allow it (tools.allow). Its host must be one the operator lists in PARLEY_TOOL_HOSTS; redirects are not followed.",
        params: toolParams,
        body: toolBody,
        response: { 200: toolView, 201: toolView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tool, created } = await tools.put(request.principal.tenantId, {
        ...request.body,
        name: request.params.name,
      });
      return reply.status(created ? 201 : 200).send(tool);
    },
  );

  api.delete(
    '/v1/tools/:name',
    {
      schema: {
        tags,
        summary: 'Delete an HTTP tool',
        params: toolParams,
        response: { 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await tools.remove(request.principal.tenantId, request.params.name);
      return reply.status(204).send();
    },
  );

  api.get(
    '/v1/tool-secrets',
    {
      schema: {
        tags,
        summary: "List the names of the tenant's tool secrets (never their values)",
        response: { 200: secretList, ...errorResponses },
      },
    },
    async (request) => ({ secrets: await tools.secretNames(request.principal.tenantId) }),
  );

  api.put(
    '/v1/tool-secrets/:name',
    {
      schema: {
        tags,
        summary: 'Set a tool secret',
        description:
          "Sealed at rest (AES-256-GCM under the operator's PARLEY_SECRETS_KEY) and never returned; a tool's auth header carries it.",
        params: secretParams,
        body: secretBody,
        response: { 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await tools.putSecret(request.principal.tenantId, request.params.name, request.body.value);
      return reply.status(204).send();
    },
  );

  api.delete(
    '/v1/tool-secrets/:name',
    {
      schema: {
        tags,
        summary: 'Delete a tool secret',
        params: secretParams,
        response: { 204: noContent, ...errorResponses },
      },
    },
    async (request, reply) => {
      await tools.removeSecret(request.principal.tenantId, request.params.name);
      return reply.status(204).send();
    },
  );
};
