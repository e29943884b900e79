// Bots: each tenant's chat configurations (models and routing, system prompt, retrieval and
// relevance settings, guard policy). Every tenant has the bot `parley`, on the server's defaults
// until changed.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Runtime } from '../../app/runtime.js';

const idParams = z.object({ id: z.string().min(1).max(63) });
const name = z.string().trim().min(1).max(200);
const createBody = z
  .object({ id: z.string(), name: name.optional(), settings: z.unknown().optional() })
  .strict();
const patchBody = z
  .object({ name: name.optional(), settings: z.record(z.string(), z.unknown()).optional() })
  .strict();

export function botRoutes(app: FastifyInstance, runtime: Runtime) {
  const { bots } = runtime;

  app.get('/v1/bots', async (request) => ({ bots: await bots.list(request.principal.tenantId) }));

  app.post('/v1/bots', async (request, reply) => {
    const bot = await bots.create(request.principal.tenantId, createBody.parse(request.body));
    return reply.status(201).send(bot);
  });

  app.get('/v1/bots/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    return bots.get(request.principal.tenantId, id);
  });

  app.patch('/v1/bots/:id', async (request) => {
    const { id } = idParams.parse(request.params);
    return bots.update(request.principal.tenantId, id, patchBody.parse(request.body ?? {}));
  });

  app.delete('/v1/bots/:id', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await bots.remove(request.principal.tenantId, id);
    return reply.status(204).send();
  });
}
