// The OpenAPI 3.1 document, built by @fastify/swagger from the routes' own zod schemas (through
// fastify-type-provider-zod's transforms), so the document cannot drift from what the routes
// validate. Registered before any route: it collects them as they are added.
import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { transform, transformObject } from './openapi-transforms.js';
import { TAGS } from './routes/http-schemas.js';

const { version } = z
  .object({ version: z.string() })
  .parse(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')));

export async function registerOpenApiDocument(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley',
        version,
        description:
          'A self-hostable, knowledge-grounded chat server. Requests need `Authorization: Bearer <key>` ' +
          '(loopback clients are served without one until the first key exists, when the Host is a ' +
          'loopback name and no other site sent the request), but for the routes ' +
          'documented with no security (this document). With an identity provider configured, an end ' +
          "user calls the chat and conversation routes with the provider's JWT instead, and sees only " +
          'their own conversations; a key with the `act_for_users` scope names the user it acts for in ' +
          'the `Parley-User` header. Errors are `{"error": {"code", "message"}}` with a 4xx or 5xx status.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key: `parley keys create --tenant NAME`',
          },
          userToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              "A signed-in end user: a JWT from the operator's identity provider (PARLEY_OIDC_ISSUER), " +
              'checked for its signature (the JWKS), issuer, audience and expiry. Any bad token is a 401 ' +
              '`invalid token`. The user sees, lists, renames, deletes and exports only their own conversations, ' +
              'and sees, corrects and deletes only their own long-term memories (/v1/memories).',
          },
          actingForUser: {
            type: 'apiKey',
            in: 'header',
            name: 'Parley-User',
            description:
              'With an API key that has the `act_for_users` scope (or `admin`): the end user the request ' +
              "is for (1-255 characters). The request then sees that user's conversations only (others: 404); " +
              'a chat key may then also list, rename, delete and export them. A key without the scope: 403. ' +
              'On POST /v1/chat/completions the OpenAI `user` field names the user the same way.',
          },
          widgetUser: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Parley-User-Token',
            description:
              "With a publishable (widget) key: the host site's signed-in user, as a JWT of the operator's " +
              "identity provider for the key's tenant. The widget's conversations are then the user's " +
              "(on any device) instead of the visitor's. Any bad token is a 401 `invalid token`.",
          },
        },
      },
      security: [{ apiKey: [] }],
      tags: [
        {
          name: TAGS.chat,
          description: "Chatting with a bot, conversations, turn traces, and end users' long-term memories",
        },
        { name: TAGS.documents, description: 'The knowledge base: documents and ingestion jobs' },
        { name: TAGS.bots, description: "The tenant's bots (models, prompt, retrieval and guard settings)" },
        {
          name: TAGS.curated,
          description: "A bot's curated answers: question -> answer pairs sent without a model call",
        },
        {
          name: TAGS.tools,
          description:
            "The tenant's HTTP tools and their secrets (a bot's model calls those its settings allow)",
        },
        { name: TAGS.usage, description: 'Usage, cost and budgets' },
        { name: TAGS.operations, description: 'Probes, metrics and the operator dashboard' },
        { name: TAGS.openai, description: 'The OpenAI-compatible surface: each model is a bot' },
        { name: TAGS.handoff, description: 'Conversations handed to a person: the agent API' },
        {
          name: TAGS.keys,
          description:
            "The tenant's API keys (scopes, expiry, revocation, rotation) and its audit log: admin keys only",
        },
        { name: TAGS.reference, description: 'This document' },
      ],
    },
    transform,
    transformObject,
  });
  // Built (and cached by @fastify/swagger) at start-up: building it converts every route's
  // schemas, CPU work that would stall the requests in flight if the first reader paid for it.
  app.addHook('onReady', async () => {
    app.swagger();
  });
}
