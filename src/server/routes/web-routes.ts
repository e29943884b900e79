// The web chat page (`/`), the operator dashboard (`/dashboard`), their hashed assets and the
// embeddable widget (`/widget.js`), served from the Vite build in dist/web without a key: they hold
// no data, and the widget must load on any site. Everything they fetch goes through /v1 with the
// usual auth.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ParleyError } from '../../errors/index.js';

/** dist/web at the package root: the same path from src/server/routes (tests) and dist/server/routes. */
export const WEB_ROOT = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

/** The content security policy of Parley's pages (the API reference page's too). */
export const PAGE_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export async function webRoutes(app: FastifyInstance, root = WEB_ROOT) {
  await app.register(fastifyStatic, { root, serve: false });
  // Public, and pages rather than API operations: left out of the OpenAPI document.
  const options = { config: { public: true }, schema: { hide: true } };
  const ensureBuilt = () => {
    if (!existsSync(root)) {
      throw new ParleyError(
        'PARLEY_ERR_NOT_FOUND',
        `the web chat is not built (${root} is missing): run npm run build`,
      );
    }
  };

  // The pages themselves hold no data: the chat and the dashboard read it from /v1 with a key.
  const pages: Record<string, string> = { '/': 'index.html', '/dashboard': 'dashboard.html' };
  for (const [url, file] of Object.entries(pages)) {
    app.get(url, options, async (_request, reply) => {
      ensureBuilt();
      return reply
        .header('cache-control', 'no-cache')
        .header('content-security-policy', PAGE_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .sendFile(file, { cacheControl: false });
    });
  }
  // Loaded by other sites' pages: revalidated often so that an upgrade reaches them soon.
  app.get('/widget.js', options, async (_request, reply) => {
    ensureBuilt();
    return reply
      .header('cache-control', 'public, max-age=300')
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('x-content-type-options', 'nosniff')
      .sendFile('widget.js', { cacheControl: false });
  });
  // File names carry a content hash, so they never change.
  app.get('/assets/:file', options, async (request, reply) => {
    ensureBuilt();
    const { file } = request.params as { file: string };
    if (!/^[\w.-]+$/.test(file)) throw new ParleyError('PARLEY_ERR_NOT_FOUND', 'asset not found');
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .sendFile(`assets/${file}`, { cacheControl: false });
  });
}
