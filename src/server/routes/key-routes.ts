// The admin API of a tenant's keys: list, create, revoke, rotate. Admin keys only (key-scopes.ts),
// and a tenant sees and changes only its own keys (another tenant's key id is not found). A key's
// secret is in the answer of its creation or rotation, once; it is never listed or logged.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  type AuditActor,
  createTenantKey,
  getKey,
  type KeyVerifier,
  listKeys,
  revokeKey,
  rotateKey,
} from '../../edge/index.js';
import type { Database } from '../../storage/index.js';
import { errorResponses, TAGS } from './http-schemas.js';
import {
  createKeyBody,
  keyList,
  keyParams,
  keyView,
  keyWithSecret,
  revokeKeyBody,
  rotateKeyBody,
} from './key-schemas.js';
import { tenantDb } from './tenant-db.js';

const tags = [TAGS.keys];

export interface KeyRoutesOptions {
  db: Database;
  /** Told of a key revoked or rotated here, so that this process stops accepting it at once. */
  keys: Pick<KeyVerifier, 'forget'>;
}

const actorOf = (request: FastifyRequest): AuditActor => ({ keyId: request.principal.keyId, via: 'api' });

export const keyRoutes: FastifyPluginAsync<KeyRoutesOptions> = async (app, { db, keys }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/keys',
    {
      schema: {
        tags,
        summary: "List the tenant's keys, newest first",
        description: 'Revoked and expired keys too (see `status`). Never a secret. Admin keys only.',
        response: { 200: keyList, ...errorResponses },
      },
    },
    async (request) => ({ keys: await listKeys(tenantDb(db, request), request.principal.tenantId) }),
  );

  api.post(
    '/v1/keys',
    {
      schema: {
        tags,
        summary: 'Create a secret key',
        description:
          'The answer holds the key itself, shown this once: only its hash is stored. Admin keys only.',
        body: createKeyBody,
        response: { 201: keyWithSecret, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tenantId } = request.principal;
      const body = request.body;
      const runner = tenantDb(db, request);
      const expiresAt =
        body.expires_at !== undefined
          ? new Date(body.expires_at)
          : body.expires_in !== undefined
            ? new Date(Date.now() + body.expires_in * 1000)
            : undefined;
      const created = await createTenantKey(runner, tenantId, {
        label: body.label,
        scopes: body.scopes,
        expiresAt,
        actor: actorOf(request),
      });
      const view = await getKey(runner, tenantId, created.keyId);
      return reply.status(201).send({ key: created.key, api_key: view });
    },
  );

  api.post(
    '/v1/keys/:id/revoke',
    {
      schema: {
        tags,
        summary: 'Revoke a key',
        description:
          'It stops working at once on this server and within a second on every other one. Revoking a revoked key changes nothing. Admin keys only.',
        params: keyParams,
        body: revokeKeyBody,
        response: { 200: keyView, ...errorResponses },
      },
    },
    async (request) => {
      const { tenantId } = request.principal;
      const view = await revokeKey(tenantDb(db, request), tenantId, request.params.id, actorOf(request));
      keys.forget(request.params.id);
      return view;
    },
  );

  api.post(
    '/v1/keys/:id/rotate',
    {
      schema: {
        tags,
        summary: 'Give a key a new secret',
        description:
          'Same id, scopes and expiry; the answer holds the new key, shown this once. The old secret keeps working for `overlap_seconds` (default a day), then stops; one rotated out before stops at once. A revoked or expired key cannot be rotated (409). Admin keys only.',
        params: keyParams,
        body: rotateKeyBody,
        response: { 200: keyWithSecret, ...errorResponses },
      },
    },
    async (request) => {
      const { tenantId } = request.principal;
      const rotated = await rotateKey(tenantDb(db, request), tenantId, request.params.id, {
        overlapSeconds: request.body?.overlap_seconds,
        actor: actorOf(request),
      });
      keys.forget(request.params.id);
      return { key: rotated.key, api_key: rotated.view };
    },
  );
};
