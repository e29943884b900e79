// The API reference: the OpenAPI document at GET /openapi.json and a page to read it at GET /docs
// (Swagger UI, served from the package's own files: no CDN, works offline). Both are public like
// the other web assets: they describe the API and hold no tenant data.
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses, TAGS } from './http-schemas.js';
import { PAGE_POLICY } from './web-routes.js';

export async function apiDocsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/openapi.json',
    {
      config: { public: true },
      schema: {
        tags: [TAGS.reference],
        summary: 'This OpenAPI 3.1 document',
        response: {
          200: z.object({
            openapi: z.string(),
            info: z.object({}),
            paths: z.record(z.string(), z.unknown()),
          }),
          ...errorResponses,
        },
      },
    },
    async () => app.swagger(),
  );

  // In a context of its own, so that making its routes public touches nothing else.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await docs.register(swaggerUi, {
      routePrefix: '/docs',
      // Swagger UI sets inline styles, as the web pages do; all else comes from /docs itself.
      staticCSP: PAGE_POLICY,
      uiConfig: { deepLinking: true, defaultModelsExpandDepth: 0 },
      theme: { title: 'Parley API reference' },
    });
  });
}
